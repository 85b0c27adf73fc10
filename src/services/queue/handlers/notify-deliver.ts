// notify:deliver: one webhook copy of a notification (a safety event, an alert event or a failed job run)
// POSTed once; a failure throws, and the queue's backoff and dead letter retry it. Idempotent: a copy already
// sent is not sent again (a crash between the POST and its record can send it twice: the body carries
// notification_id for receivers to drop the repeat), and one whose event or user is gone completes as gone.
import {z} from 'zod'

import {isCancelled} from '../../cancel.js'
import {recordDelivery, webhookCopy} from '../../db/notifications.js'
import {errorMessage, HarbormasterError} from '../../errors.js'
import {deliverable, postDelivery, runStillGoing} from '../../safety/webhooks.js'
import type {JobHandler} from '../job-types.js'

const payload = z.strictObject({
  notification_id: z.number().int().min(1),
})

export const handler: JobHandler<z.infer<typeof payload>> = {
  payload,
  async handle(ctx, p, job) {
    const id = p.notification_id
    const copy = await webhookCopy(ctx.db, id)
    if (!copy) return {notification_id: id, status: 'gone'}
    if (copy.n.status === 'sent') {
      return {notification_id: id, status: 'already_sent', delivered_at: copy.n.deliveredAt === null ? null : new Date(copy.n.deliveredAt).toISOString()}
    }
    const attempts = copy.n.attempts + 1
    // Thrown before any POST: the queue's backoff brings it back once the run has finished.
    if (runStillGoing(copy)) throw new HarbormasterError(`job run ${copy.run?.id} is still running: its notification goes out once it has finished`)
    if (!deliverable(copy)) {
      await recordDelivery(ctx.db, id, {status: 'failed', attempts: copy.n.attempts, lastError: copy.url ? 'nothing left to notify about' : `${copy.user} has no webhook any more`})
      return {notification_id: id, status: 'undeliverable', user: copy.user}
    }
    try {
      await postDelivery(ctx, copy)
    } catch (error) {
      // Stopped (timeout, the worker's grace period): the queue decides; the copy is as it was.
      if (isCancelled(error)) throw error
      const last = job.attempt > job.maxRetries
      await recordDelivery(ctx.db, id, {status: last ? 'failed' : 'queued', attempts, lastError: errorMessage(error)})
      throw new HarbormasterError(`webhook for ${copy.user} failed (attempt ${attempts}): ${errorMessage(error)}`)
    }
    await recordDelivery(ctx.db, id, {status: 'sent', attempts, deliveredAt: ctx.clock.now()})
    return {notification_id: id, status: 'sent', user: copy.user, attempts}
  },
}
