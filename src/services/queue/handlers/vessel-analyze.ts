// vessel:analyze: one vessel's recent track through the detection services (vessels/analysis.ts: position
// jumps, port stops, zone entries), then the behaviour pass over every position not analysed yet, under the
// `behaviour` job's lease. Idempotent: each finding is stored once by its dedupe key (vessel_findings), and
// each behaviour event by its own, so a job run twice after a crash finds the same and adds nothing.
import {z} from 'zod'

import {runBehaviourPassUnlessRunning} from '../../behaviour/pass.js'
import {analyzeVessel} from '../../vessels/analysis.js'
import type {JobHandler} from '../job-types.js'

/** One vessel, and the reports looked at: observed from `since` on (default: the day before the vessel's newest). */
export const vesselPayload = z.strictObject({
  mmsi: z.number().int().min(1).max(999_999_999),
  since: z.iso.datetime().optional(),
})
const payload = vesselPayload

export const handler: JobHandler<z.infer<typeof payload>> = {
  payload,
  async handle(ctx, p) {
    const analysis = await analyzeVessel(ctx, p.mmsi, {since: p.since === undefined ? undefined : Date.parse(p.since)})
    // When another pass holds the lease it covers these positions: this job has done its part.
    const pass = await runBehaviourPassUnlessRunning(ctx)
    return {...analysis, behaviour: pass.ran ? {ran: true, ...pass.summary} : {ran: false, held_by: pass.held_by}}
  },
}
