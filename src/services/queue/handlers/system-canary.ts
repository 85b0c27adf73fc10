// system:canary, a fire drill for operators: succeeds, fails its first attempts or every one, or takes a
// while, as its payload asks, so retries, the dead letter and worker health can be checked on a live fleet.
import {z} from 'zod'

import {sleepUnlessCancelled, throwIfCancelled} from '../../cancel.js'
import {HarbormasterError} from '../../errors.js'
import type {JobHandler} from '../job-types.js'

const payload = z.strictObject({
  /** Fail every attempt up to and including this one (`always`: every attempt, so the job ends dead). */
  fail_until_attempt: z.union([z.number().int().min(0), z.literal('always')]).default(0),
  /** Work this long (stopping early if the job is cancelled: timeout or the worker's grace period). */
  duration_ms: z.number().int().min(0).max(3_600_000).default(0),
  /** Written on the job's result, so a drill can be told apart. */
  note: z.string().max(200).optional(),
})

export const handler: JobHandler<z.infer<typeof payload>> = {
  payload,
  async handle(ctx, p, job) {
    if (p.duration_ms > 0) await sleepUnlessCancelled(p.duration_ms, ctx.signal)
    throwIfCancelled(ctx.signal)
    if (p.fail_until_attempt === 'always' || job.attempt <= p.fail_until_attempt) {
      throw new HarbormasterError(`canary failed attempt ${job.attempt} as asked`)
    }
    return {ok: true, attempt: job.attempt, ...(p.note ? {note: p.note} : {})}
  },
}
