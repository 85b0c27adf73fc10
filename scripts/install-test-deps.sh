#!/usr/bin/env bash
# Installs what the test suites need beyond npm, when it is missing: Debian's PostgreSQL server (the
# PostgreSQL suites start their own throwaway cluster with initdb and pg_ctl) and Chromium (the web page is
# tested in a real browser through playwright-core). Safe to run again: it installs only what is absent.
set -euo pipefail

need=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then need+=(postgresql); fi
if [ "${HARBORMASTER_TEST_BROWSER:-1}" != 0 ] && ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi

if [ ${#need[@]} -eq 0 ]; then
  echo "test dependencies present: PostgreSQL server, Chromium"
  exit 0
fi

echo "installing test dependencies: ${need[*]}"
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "cannot install ${need[*]}: not root and no sudo; install them with apt-get and run again" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
