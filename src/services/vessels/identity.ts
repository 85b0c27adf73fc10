// A vessel's identity checked: its IMO number's check digit, its MMSI's form and MID against its flag, the
// names and call signs its static reports have given, and one MMSI heard in two places at once (two tracks,
// each consistent in itself, that no ship could join); findings stored once each and returned.
import type {Context} from '../context.js'
import {flagOf, midOf} from '../datasets/mid.js'
import {type FindingDraft, recordFindings} from '../db/vessel-findings.js'
import {identityValuesOf, type IdentityValue} from '../db/vessel-identity.js'
import {type TrackReport, trackOf, vesselByMmsi} from '../db/vessels.js'
import {haversineKm} from '../geo/geometry.js'
import {isEstimatedFix, MAX_PLAUSIBLE_KNOTS, plausibleMove} from './track.js'

/** An IMO ship number: 7 digits, the last the sum of the first six weighted 7 down to 2, mod 10. */
export function imoCheckDigitValid(imo: number): boolean {
  if (!Number.isInteger(imo) || imo < 1_000_000 || imo > 9_999_999) return false
  const digits = String(imo)
  let sum = 0
  for (let i = 0; i < 6; i++) sum += Number(digits[i]) * (7 - i)
  return sum % 10 === Number(digits[6])
}

/** What an MMSI's nine digits say it is (ITU-R M.585): a ship station carries a MID of 201-775 in front. */
export type MmsiForm = 'ship' | 'group' | 'coast-station' | 'sar-aircraft' | 'aid-to-navigation' | 'craft-associated' | 'distress-device' | 'invalid'

export function mmsiForm(mmsi: number): MmsiForm {
  if (!Number.isInteger(mmsi) || mmsi < 0 || mmsi > 999_999_999) return 'invalid'
  const text = String(mmsi).padStart(9, '0')
  if (text.startsWith('00')) return 'coast-station'
  if (text.startsWith('0')) return 'group'
  if (text.startsWith('111')) return 'sar-aircraft'
  if (text.startsWith('97')) return 'distress-device'
  if (text.startsWith('99')) return 'aid-to-navigation'
  if (text.startsWith('98')) return 'craft-associated'
  const mid = midOf(mmsi)
  return mid !== null && mid >= 201 && mid <= 775 ? 'ship' : 'invalid'
}

/** Reports of a run this long or more (each consistent with the last) make a track of their own. */
export const MIN_TRACK_REPORTS = 2

/** One self-consistent run of reports. */
interface Track {
  reports: TrackReport[]
  first: number
  last: number
}

/**
 * Splits a vessel's reports (oldest first) into tracks a ship could sail: each report joins the track whose
 * newest report it is plausible from (the nearest such), else starts a track. Estimated fixes are left out.
 */
export function splitTracks(reports: TrackReport[]): Track[] {
  const tracks: Track[] = []
  for (const r of reports) {
    if (isEstimatedFix(r.second)) continue
    let best: Track | null = null
    let bestKm = Infinity
    for (const t of tracks) {
      const tail = t.reports.at(-1) as TrackReport
      if (!plausibleMove(tail, r)) continue
      const km = haversineKm(tail.lat, tail.lon, r.lat, r.lon)
      if (km < bestKm) {
        best = t
        bestKm = km
      }
    }
    if (best) {
      best.reports.push(r)
      best.last = r.at
    } else tracks.push({reports: [r], first: r.at, last: r.at})
  }
  return tracks
}

/** Two tracks of the vessel heard over the same time, apart by more than a ship could sail: one MMSI in two places. */
export function twoPlacesAtOnce(reports: TrackReport[]): {a: Track; b: Track; knots: number; km: number; at: number} | null {
  const tracks = splitTracks(reports).filter((t) => t.reports.length >= MIN_TRACK_REPORTS)
  for (let i = 0; i < tracks.length; i++) {
    for (let j = i + 1; j < tracks.length; j++) {
      const [a, b] = tracks[i].first <= tracks[j].first ? [tracks[i], tracks[j]] : [tracks[j], tracks[i]]
      // Interleaved in time: b starts before a ends (a vessel that moved on for good is one track that jumped).
      if (b.first > a.last) continue
      // The closest pair in time across the two tracks says how fast one ship would have had to go.
      let bestGap = Infinity
      let pair: [TrackReport, TrackReport] = [a.reports[0], b.reports[0]]
      let k = 0
      for (const rb of b.reports) {
        while (k + 1 < a.reports.length && a.reports[k + 1].at <= rb.at) k++
        for (const ra of [a.reports[k], a.reports[k + 1]]) {
          if (!ra) continue
          const gap = Math.abs(ra.at - rb.at)
          if (gap < bestGap) {
            bestGap = gap
            pair = [ra, rb]
          }
        }
      }
      const km = haversineKm(pair[0].lat, pair[0].lon, pair[1].lat, pair[1].lon)
      const hours = Math.max(Math.abs(pair[1].at - pair[0].at), 1000) / 3_600_000
      const knots = km / 1.852 / hours
      if (knots > MAX_PLAUSIBLE_KNOTS) return {a, b, knots: Math.round(knots), km: Math.round(km * 10) / 10, at: b.first}
    }
  }
  return null
}

/** Identity values of one field in the order they were first given. */
function changesOf(values: IdentityValue[], field: IdentityValue['field']): IdentityValue[] {
  return values.filter((v) => v.field === field)
}

export interface IdentityCheckOptions {
  /** Reports observed from this time on are checked for two places at once (default: 24 h before the newest report). */
  since?: number
}

export interface IdentityCheckResult {
  mmsi: number
  known: boolean
  mmsi_form: MmsiForm
  flag: string | null
  imo: number | null
  reports_checked: number
  findings: Array<{kind: string; severity: string; title: string; dedupe_key: string; new: boolean; detail: Record<string, unknown>}>
}

/** The identity checks of one vessel, their findings stored (each once: a check run twice adds nothing). */
export async function checkIdentity(ctx: Context, mmsi: number, options: IdentityCheckOptions = {}): Promise<IdentityCheckResult> {
  const {db} = ctx
  const vessel = await vesselByMmsi(db, mmsi)
  const form = mmsiForm(mmsi)
  const drafts: FindingDraft[] = []
  const finding = (kind: string, key: string, severity: FindingDraft['severity'], title: string, detail: Record<string, unknown>, observedAt: number | null = null) =>
    drafts.push({mmsi, check: 'identity', kind, dedupeKey: `identity:${kind}:${mmsi}:${key}`, severity, title, detail, observedAt})

  if (form !== 'ship' && form !== 'distress-device') {
    finding('mmsi-form', form, 'medium', `MMSI ${mmsi} is not a ship station's (${form})`, {form})
  }
  const mmsiFlag = flagOf(mmsi)
  if (form === 'ship' && mmsiFlag === null) finding('mid-unallocated', String(midOf(mmsi)), 'medium', `MMSI ${mmsi}: MID ${midOf(mmsi)} is allocated to no country`, {mid: midOf(mmsi)})
  if (vessel?.flag && mmsiFlag && vessel.flag !== mmsiFlag) {
    finding('flag-mismatch', vessel.flag, 'medium', `MMSI ${mmsi}: flag ${vessel.flag} held, but its MID ${midOf(mmsi)} is ${mmsiFlag}'s`, {
      flag: vessel.flag,
      mid: midOf(mmsi),
      mid_flag: mmsiFlag,
    })
  }

  const values = await identityValuesOf(db, mmsi)
  const imos = changesOf(values, 'imo')
  // The IMO numbers given (the vessel row's own too, for vessels stored before values were kept).
  const imoNumbers = new Set(imos.map((v) => Number(v.value)))
  if (vessel?.imo) imoNumbers.add(vessel.imo)
  for (const imo of imoNumbers) {
    if (!imoCheckDigitValid(imo)) {
      finding('imo-check-digit', String(imo), 'high', `MMSI ${mmsi} gives IMO ${imo}, whose check digit is wrong`, {imo})
    }
  }
  const labels: Record<string, string> = {imo: 'IMO number', name: 'name', callsign: 'call sign'}
  for (const field of ['imo', 'name', 'callsign'] as const) {
    const given = changesOf(values, field)
    for (let i = 1; i < given.length; i++) {
      finding(`${field}-change`, given[i].value, field === 'imo' ? 'high' : 'low', `MMSI ${mmsi} changed its ${labels[field]} from ${given[i - 1].value} to ${given[i].value}`, {
        field,
        from: given[i - 1].value,
        to: given[i].value,
        values: given.map((v) => v.value),
      }, given[i].firstSeenAt)
    }
  }

  const newest = vessel?.positionAt ?? null
  const until = Math.max(newest ?? 0, ctx.clock.now())
  const since = options.since ?? (newest ?? ctx.clock.now()) - 24 * 3_600_000
  const reports = await trackOf(db, mmsi, since, until)
  const twice = twoPlacesAtOnce(reports)
  if (twice) {
    const [pa, pb] = [twice.a.reports[0], twice.b.reports[0]]
    finding(
      'two-places',
      String(twice.at),
      'high',
      `MMSI ${mmsi} heard in two places at once: two tracks ${twice.km} km apart (${twice.knots} kn to join them)`,
      {
        km: twice.km,
        knots: twice.knots,
        tracks: [twice.a, twice.b].map((t) => ({reports: t.reports.length, first_at: new Date(t.first).toISOString(), last_at: new Date(t.last).toISOString()})),
        positions: [pa, pb].map((p) => ({lat: p.lat, lon: p.lon, at: new Date(p.at).toISOString()})),
      },
      twice.at,
    )
  }

  const created = await recordFindings(db, drafts, ctx.clock.now())
  return {
    mmsi,
    known: vessel !== undefined,
    mmsi_form: form,
    flag: mmsiFlag,
    imo: vessel?.imo ?? null,
    reports_checked: reports.length,
    findings: drafts.map((d) => ({kind: d.kind, severity: d.severity, title: d.title, dedupe_key: d.dedupeKey, new: created.has(d.dedupeKey), detail: d.detail})),
  }
}
