// The queue as a test reaches it beside the CLI processes it starts: a service context on the test's
// database (either backend) with the engine the facade picks, to enqueue jobs and read their states
// without knowing which engine runs.
import {setTimeout as sleep} from 'node:timers/promises'

import {type Clock, systemClock} from '../../src/services/clock.js'
import {loadConfig} from '../../src/services/config.js'
import type {Context} from '../../src/services/context.js'
import {silentLogger} from '../../src/services/log/logger.js'
import {queueEngine, stopQueueEngine} from '../../src/services/queue/queue.js'
import type {QueuedJob, QueueEngine, QueuedJobState} from '../../src/services/queue/types.js'
import {openTestDb} from './template.js'

export interface QueueService {
  ctx: Context
  engine: QueueEngine
  close(): Promise<void>
}

/** A context and engine on the database at `location`; settings from `env` (e.g. the heartbeat). */
export async function openQueueService(location: string, options: {env?: Record<string, string>; clock?: Clock} = {}): Promise<QueueService> {
  const db = await openTestDb(location)
  const ctx: Context = {config: loadConfig({env: options.env ?? {}, dbPath: location}), db, logger: silentLogger, clock: options.clock ?? systemClock}
  const engine = await queueEngine(ctx)
  return {
    ctx,
    engine,
    async close() {
      await stopQueueEngine(ctx)
      await db.close()
    },
  }
}

/** Waits (polling, no deadline of its own: the test's timeout is the limit) until `check` says yes. */
export async function until<T>(check: () => Promise<T | undefined | false>, everyMs = 100): Promise<T> {
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    await sleep(everyMs)
  }
}

/** Waits until the job is in one of `states`; returns it. */
export function untilState(engine: QueueEngine, id: string, ...states: QueuedJobState[]): Promise<QueuedJob> {
  return until(async () => {
    const job = await engine.get(id)
    return job && states.includes(job.state) ? job : undefined
  })
}

/** Every job in `state`, all pages. */
export async function allJobs(engine: QueueEngine, state: QueuedJobState): Promise<QueuedJob[]> {
  const jobs: QueuedJob[] = []
  for (let offset = 0; ; offset += 1000) {
    const page = await engine.list({state, limit: 1000, offset})
    jobs.push(...page)
    if (page.length < 1000) return jobs
  }
}
