#!/usr/bin/env bash
# Installs what some benchmarks compare against and npm cannot provide: gpsd's gpsdecode (Debian gpsd-clients).
set -euo pipefail
if command -v gpsdecode >/dev/null; then echo "gpsdecode already installed"; exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get install -y gpsd-clients || { $SUDO apt-get update && $SUDO apt-get install -y gpsd-clients; }
