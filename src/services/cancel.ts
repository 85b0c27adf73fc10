// Cancellation: why work was asked to stop (an operator's signal, a job's timeout, a pause, a lost lease),
// and what long work does between batches: give the event loop a turn and stop if it has been asked to.
import {HarbormasterError} from './errors.js'

export type StopCause = 'signal' | 'timeout' | 'pause' | 'lease'

/** The reason an AbortSignal carries when harbormaster stops work; thrown where work cannot return early. */
export class Cancelled extends HarbormasterError {
  constructor(
    readonly kind: StopCause,
    message: string,
    /** The operator's signal, when `kind` is `signal`. */
    readonly signal?: NodeJS.Signals,
  ) {
    super(message)
    this.name = 'Cancelled'
  }
}

/** Why `signal` was aborted, as a Cancelled (an abort without one of ours counts as an operator's stop). */
export function cancellationOf(signal: AbortSignal): Cancelled {
  const reason: unknown = signal.reason
  if (reason instanceof Cancelled) return reason
  return new Cancelled('signal', reason instanceof Error ? reason.message : 'stopped')
}

/** Throws the cancellation when `signal` has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancellationOf(signal)
}

export function isCancelled(error: unknown): error is Cancelled {
  return error instanceof Cancelled
}

/**
 * Lets timers (lease heartbeats, deadlines), signal handlers and I/O (the HTTP API) run before the next
 * batch: without this a long synchronous loop silences everything that should watch it.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Waits `ms`, or less when `signal` is aborted first (then it resolves; the caller checks the signal). */
export function sleepUnlessCancelled(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, Math.max(0, ms))
    signal?.addEventListener('abort', done, {once: true})
  })
}

/**
 * A signal aborted when any of `signals` is, with that one's reason. `dispose` unhooks it from the others
 * (a long job makes many calls on one signal; listeners left behind would pile up on it).
 */
export function anySignal(signals: Array<AbortSignal | undefined>): {signal: AbortSignal; dispose(): void} {
  const present = signals.filter((s): s is AbortSignal => s !== undefined)
  const controller = new AbortController()
  const onAbort = (event: Event) => {
    controller.abort((event.target as AbortSignal).reason)
    dispose()
  }
  const dispose = () => {
    for (const s of present) s.removeEventListener('abort', onAbort)
  }
  for (const s of present) {
    if (s.aborted) {
      controller.abort(s.reason)
      return {signal: controller.signal, dispose: () => undefined}
    }
  }
  for (const s of present) s.addEventListener('abort', onAbort, {once: true})
  return {signal: controller.signal, dispose}
}

/** The exit status of a process ended by `signal` (128 + its number): 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : signal === 'SIGHUP' ? 129 : 1
}

/**
 * Records to write synchronously if the process must exit at once (a second signal): the runner registers
 * "mark this run cancelled, release its lease" while a job runs. Returns the unregister function.
 */
const abandonHooks = new Set<() => string | void>()

export function onAbandon(hook: () => string | void): () => void {
  abandonHooks.add(hook)
  return () => abandonHooks.delete(hook)
}

/** Runs the registered hooks (each at most once); returns what they report, for the last log line. */
export function abandonNow(): string[] {
  const notes: string[] = []
  for (const hook of [...abandonHooks]) {
    abandonHooks.delete(hook)
    try {
      const note = hook()
      if (note) notes.push(note)
    } catch (error) {
      notes.push(`cleanup failed: ${(error as Error).message}`)
    }
  }
  return notes
}
