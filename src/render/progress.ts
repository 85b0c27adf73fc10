// listr2 progress for multi-step work on a terminal: one line per job, driven by the service's hooks.
import type {JobOutcome} from '../services/jobs/runner.js'

export interface Progress<Name extends string> {
  onStart(name: Name): void
  onEnd(name: Name, outcome: JobOutcome): void
  /** Waits for the renderer to draw its last frame. */
  done(): Promise<void>
}

interface Gate {
  promise: Promise<JobOutcome>
  resolve(outcome: JobOutcome): void
}

/** Progress lines for `names` on stderr; the service runs the work, the list only shows it. */
export async function jobProgress<Name extends string>(names: readonly Name[], titles: Record<Name, string>): Promise<Progress<Name>> {
  const {Listr} = await import('listr2')
  const gates = new Map<Name, Gate>()
  for (const name of names) {
    let resolve!: (o: JobOutcome) => void
    const promise = new Promise<JobOutcome>((r) => {
      resolve = r
    })
    gates.set(name, {promise, resolve})
  }
  const list = new Listr(
    names.map((name) => ({
      title: titles[name],
      task: async (_: unknown, task: {title: string; skip(message?: string): void}) => {
        const outcome = await (gates.get(name) as Gate).promise
        const seconds = (outcome.durationMs / 1000).toFixed(1)
        if (outcome.status === 'skipped') task.skip(`${titles[name]}: skipped, ${outcome.skipReason}`)
        else if (outcome.status === 'failed') throw new Error(`${titles[name]}: ${outcome.error}`)
        else task.title = `${titles[name]} (${seconds} s)`
      },
    })),
    {concurrent: false, exitOnError: false, rendererOptions: {collapseErrors: false}},
  )
  const running = list.run().catch(() => undefined)
  return {
    onStart: () => undefined,
    onEnd: (name, outcome) => gates.get(name)?.resolve(outcome),
    done: async () => {
      // Jobs never started (a stop request) still need their gates closed for the list to finish.
      for (const name of names) gates.get(name)?.resolve({job: name, status: 'skipped', skipReason: 'not run', durationMs: 0})
      await running
    },
  }
}
