// Types of throwaway-postgres.js.
export interface TestPostgres {
  /** A superuser URL on 127.0.0.1 (trust authentication), database `postgres`. */
  url: string
  port: number
  binDir: string
  dataDir: string
  /** Runs a pg_ctl action (restart, stop) as the cluster's owner. */
  ctl(args: string[]): void
  stop(): void
}
/** The newest installed server's binaries (Debian keeps them out of PATH). */
export function postgresBinDir(): string | null
export function freePort(): Promise<number>
/** Starts a throwaway cluster; null when the server binaries are not installed. */
export function startTestPostgres(): Promise<TestPostgres | null>
/** The URL of another database on the same server. */
export function databaseUrl(serverUrl: string, database: string): string
