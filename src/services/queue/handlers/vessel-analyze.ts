// vessel:analyze: one vessel's recent track through the detection services (vessels/analysis.ts: position
// jumps, port stops, zone entries). Idempotent: each finding is stored once by its dedupe key
// (vessel_findings), so a job run twice after a crash finds the same and adds nothing.
import {z} from 'zod'

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
    return {...analysis}
  },
}
