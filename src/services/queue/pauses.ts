// Pausing a queue: workers stop taking its jobs (those running finish), enqueueing goes on; kept in
// settings with who paused it, when and why, so every worker on every host sees it.
import type {QueuePause} from '../../schemas/workers.js'
import type {Context} from '../context.js'
import {queuePauses as store} from '../db/pauses.js'
import {usageError} from '../errors.js'
import {operator} from '../jobs/control.js'
import {QUEUE_NAMES, type QueueName} from './types.js'

export type {QueuePause} from '../../schemas/workers.js'

function checkedQueue(queue: string): QueueName {
  if (!(QUEUE_NAMES as readonly string[]).includes(queue)) throw usageError(`no queue ${queue}`, `queues are ${QUEUE_NAMES.join(', ')}`)
  return queue as QueueName
}

/** Pauses `queue` (again: the newer reason replaces the older); returns every queue pause now in force. */
export async function pauseQueue(ctx: Context, queue: string, reason: string): Promise<QueuePause[]> {
  if (!reason.trim()) throw usageError('a pause needs a reason', 'pass --reason "…" (operators looking at the queue see it)')
  const now = ctx.clock.now()
  await store.save(ctx.db, {queue: checkedQueue(queue), by: operator(ctx.config.host), reason: reason.trim(), since: new Date(now).toISOString()}, now)
  return store.all(ctx.db)
}

/** Resumes `queue`; an error when it was not paused. */
export async function resumeQueue(ctx: Context, queue: string): Promise<{resumed: QueueName[]}> {
  const resumed = await store.delete(ctx.db, [checkedQueue(queue)])
  if (resumed.length === 0) throw usageError(`queue ${queue} is not paused`)
  return {resumed: resumed as QueueName[]}
}

/** Every queue pause in force, in queue name order. */
export function queuePauses(ctx: Context): Promise<QueuePause[]> {
  return store.all(ctx.db)
}

/** The queues paused now. */
export async function pausedQueues(ctx: Context): Promise<Set<QueueName>> {
  return new Set((await store.all(ctx.db)).map((pause) => pause.queue))
}
