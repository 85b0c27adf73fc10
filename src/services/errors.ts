// The one error type for expected failures: a message naming the thing and the problem, a hint with the fix.

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
  if (error instanceof Error) return error.message
  return String(error)
}
