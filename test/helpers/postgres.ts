// A real PostgreSQL server for the tests (scripts/throwaway-postgres.js starts it): one cluster per test run
// in the `postgres` project (vitest's global setup), and one of their own for the files that restart it or
// compare both backends themselves.
import {startTestPostgres, type TestPostgres} from '../../scripts/throwaway-postgres.js'

export {databaseUrl, freePort, postgresBinDir, startTestPostgres, type TestPostgres} from '../../scripts/throwaway-postgres.js'

/**
 * A throwaway server for a test file, or null when this machine has no PostgreSQL: then the file's tests
 * skip with one loud line. In CI (CI=true) a missing server fails instead: CI never skips these suites.
 */
export async function postgresForTests(): Promise<TestPostgres | null> {
  const server = await startTestPostgres()
  if (server) return server
  if (process.env.CI) throw new Error('PostgreSQL server binaries are missing: run scripts/install-test-deps.sh (CI never skips the PostgreSQL tests)')
  console.warn('!!! PostgreSQL is not installed here: the PostgreSQL tests are SKIPPED (scripts/install-test-deps.sh installs it)')
  return null
}
