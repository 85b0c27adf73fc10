// Work a command starts without waiting for it: a dead-man's-switch ping goes out while the job goes on. The
// command waits for all of it before it ends (BaseCommand.finally), so its process may exit as soon as the
// command returns and nothing started is cut short.
const underWay = new Set<Promise<unknown>>()

/** Runs `work` alongside what the caller does next; it must handle its own failures (a rejection is ignored). */
export function alongside(work: Promise<unknown>): void {
  underWay.add(work)
  const done = () => void underWay.delete(work)
  work.then(done, done)
}

/** Resolves once the work started alongside, including any started meanwhile, has ended. */
export async function alongsideDone(): Promise<void> {
  while (underWay.size > 0) await Promise.allSettled([...underWay])
}
