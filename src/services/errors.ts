// The one error type for expected failures: a message naming the thing and the problem, a hint with the fix;
// and the failures of the machine (a damaged or full disk, a port in use) recognised by their codes.

export type ExitCode = 1 | 2

export class HarbormasterError extends Error {
  readonly exitCode: ExitCode
  readonly hint?: string

  constructor(message: string, options: {exitCode?: ExitCode; hint?: string; cause?: unknown} = {}) {
    super(message, {cause: options.cause})
    this.name = 'HarbormasterError'
    this.exitCode = options.exitCode ?? 1
    this.hint = options.hint
  }
}

/** A usage or configuration problem: exit 2. */
export function usageError(message: string, hint?: string): HarbormasterError {
  return new HarbormasterError(message, {exitCode: 2, hint})
}

export function errorMessage(error: unknown): string {
  const environment = environmentError(error)
  if (environment) return environment.message
  if (error instanceof Error) return error.message
  return String(error)
}

/** Where a failure happened, for naming the thing in the message. */
export interface ErrorScene {
  /** The database the command works on. */
  dbPath?: string
}

interface SystemFailure {
  code?: unknown
  path?: unknown
  syscall?: unknown
  address?: unknown
  port?: unknown
  cause?: unknown
}

/** The first error code in the chain of causes (drivers and libraries wrap what the system said). */
function failureOf(error: unknown): (SystemFailure & {code: string}) | undefined {
  let current = error as SystemFailure | undefined
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    if (typeof current.code === 'string') return current as SystemFailure & {code: string}
    current = current.cause as SystemFailure | undefined
  }
  return undefined
}

/**
 * A failure of the environment (a damaged database, a full disk, a port in use, a directory where a file
 * belongs...) as one clear error with what to do, recognised by its code; undefined for anything else.
 * Problems with what the operator passed exit 2, failures of the machine during the work exit 1.
 */
export function environmentError(error: unknown, scene: ErrorScene = {}): HarbormasterError | undefined {
  if (error instanceof HarbormasterError) return undefined
  const failure = failureOf(error)
  if (!failure) return undefined
  const {code} = failure
  const path = typeof failure.path === 'string' ? failure.path : undefined
  const database = scene.dbPath ? `database ${scene.dbPath}` : 'the database'
  const runtime = (message: string, hint: string) => new HarbormasterError(message, {exitCode: 1, hint, cause: error})
  const usage = (message: string, hint: string) => new HarbormasterError(message, {exitCode: 2, hint, cause: error})

  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return runtime(
      `${database} is damaged (${code})`,
      'see what `harbormaster db maintain` reports, then restore the last good backup with `harbormaster db restore <backup> --yes`',
    )
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') {
    const what = code.startsWith('SQLITE') ? database : (path ?? 'a file')
    return runtime(`no space left writing ${what} (${code}): the disk or its quota is full; the last transaction was rolled back`, 'free space on that disk (`harbormaster cleanup` deletes rows past retention) and run again')
  }
  if (code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC' || code === 'SQLITE_IOERR_TRUNCATE') {
    // SQLite keeps the system's reason to itself: a full disk, a file size limit or a failing disk.
    return runtime(`writing ${database} failed (${code}); the last transaction was rolled back`, 'check free space (df), the file size limit (ulimit -f) and the disk (dmesg), then run again')
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    const what = code.startsWith('SQLITE') ? database : (path ?? 'a file')
    return runtime(`the disk failed reading or writing ${what} (${code})`, 'check the disk and the file system (dmesg), then run `harbormaster db maintain`')
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') {
    const what = code.startsWith('SQLITE') ? database : (path ?? 'a file')
    return runtime(`${what} cannot be written (${code})`, 'run as a user who may write it and its directory, or on a file system mounted read-write')
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return usage(`${database} cannot be opened (${code})`, 'check that its directory exists and may be read, or pass --db')
  }
  if (code === 'EADDRINUSE') {
    return runtime(`cannot listen on ${addressOf(failure)}: the address is already in use (EADDRINUSE)`, 'stop the other server on it, or pass --port with a free port')
  }
  if (code === 'EADDRNOTAVAIL') {
    return usage(`cannot listen on ${addressOf(failure)}: no network interface of this machine has that address (EADDRNOTAVAIL)`, 'pass --host with an address of this machine (127.0.0.1, 0.0.0.0)')
  }
  if ((code === 'EACCES' || code === 'EPERM') && failure.syscall === 'listen') {
    return usage(`not permitted to listen on ${addressOf(failure)} (${code})`, 'pass --port with a port above 1023, or give the user that right')
  }
  if (code === 'EISDIR') {
    return usage(`${path ?? 'the path given'} is a directory, not a file (EISDIR)`, 'pass the path of a file')
  }
  if (code === 'ENOTDIR') {
    return usage(`${path ?? 'a path given'} runs through something that is not a directory (ENOTDIR)`, 'check the path')
  }
  if (code === 'ENOENT' && path) {
    return usage(`${path} does not exist (ENOENT)`, 'check the path')
  }
  if ((code === 'EACCES' || code === 'EPERM') && path) {
    return usage(`permission denied on ${path} (${code})`, 'fix its permissions or run as a user who may use it')
  }
  if (code === 'EMFILE' || code === 'ENFILE') {
    return runtime(`too many open files (${code})`, 'raise the limit (ulimit -n) or stop what holds them, and run again')
  }
  return undefined
}

function addressOf(failure: SystemFailure): string {
  const host = typeof failure.address === 'string' ? failure.address : 'the address'
  return failure.port === undefined ? host : `${host}:${String(failure.port)}`
}
