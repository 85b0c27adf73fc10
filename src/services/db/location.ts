// Where a database lives, read from what an operator writes (a SQLite file path or a PostgreSQL URL), and
// the URL's password kept out of sight. No driver is loaded here: configuration and health read it.

/** Where a database lives: a SQLite file, or a PostgreSQL server. */
export type DatabaseLocation = {kind: 'sqlite'; path: string} | {kind: 'postgres'; url: string}

const POSTGRES_URL = /^postgres(ql)?:\/\//i

export function isPostgresUrl(value: string): boolean {
  return POSTGRES_URL.test(value)
}

export function databaseLocation(value: string): DatabaseLocation {
  return isPostgresUrl(value) ? {kind: 'postgres', url: value} : {kind: 'sqlite', path: value}
}

/** The URL with its password shown as `***`, for every log line, error and --json. */
export function redactDatabaseUrl(value: string): string {
  if (!isPostgresUrl(value)) return value
  try {
    const url = new URL(value)
    if (url.password) url.password = '***'
    for (const key of [...url.searchParams.keys()]) if (/pass|secret|token/i.test(key)) url.searchParams.set(key, '***')
    return url.toString()
  } catch {
    return value.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@')
  }
}

/** The password of a PostgreSQL URL, if it has one: a secret masked wherever it might appear. */
export function databasePassword(value: string): string | undefined {
  if (!isPostgresUrl(value)) return undefined
  try {
    const password = decodeURIComponent(new URL(value).password)
    return password || undefined
  } catch {
    return undefined
  }
}
