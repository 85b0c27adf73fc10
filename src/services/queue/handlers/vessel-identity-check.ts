// vessel:identity-check: one vessel's identity checked (IMO check digit, MMSI and MID against the flag,
// name and call sign changes, one MMSI in two places at once). Idempotent: each finding is stored once by
// its dedupe key (vessel_findings), so a job run twice after a crash finds the same and adds nothing.
import type {z} from 'zod'

import {checkIdentity} from '../../vessels/identity.js'
import type {JobHandler} from '../job-types.js'
import {vesselPayload} from './vessel-analyze.js'

// The reports from `since` on are checked for two places at once.
const payload = vesselPayload

export const handler: JobHandler<z.infer<typeof payload>> = {
  payload,
  async handle(ctx, p) {
    const result = await checkIdentity(ctx, p.mmsi, {since: p.since === undefined ? undefined : Date.parse(p.since)})
    return {...result, findings_new: result.findings.filter((f) => f.new).length}
  },
}
