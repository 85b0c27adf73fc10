// Jobs as people read them: one run's outcome in sentences and tables (each job says what it did in its own
// words), the job list and the run history.
import type {JobSummaries} from '../schemas/job-summaries.js'
import type {HistoryRow, JobListEntry, JobRunResult} from '../schemas/jobs.js'
import {type Painter, table} from './terminal.js'

const str = (value: unknown) => (value === undefined || value === null ? '-' : String(value))
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`
const byName = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ')

/** What a vessels run did, in one sentence. */
export function vesselsLine(s: JobSummaries['vessels']): string {
  const rejected = byName(s.rejected_by_reason)
  return `${s.vessels_updated} vessels updated, ${s.positions_stored} positions stored, ${s.duplicates} duplicates${rejected ? `; rejected: ${rejected}` : ''}`
}

/** What a ports run did, in one sentence. */
export function portsLine(s: JobSummaries['ports']): string {
  const l = s.levels
  return `${s.ports_updated} ports: ${s.ports_with_data} with data (${l.elevated} elevated, ${l.high} high, ${l.severe} severe, ${l.insufficient_history} without enough history), ${s.ports_no_data} no data`
}

/** What a safety run did, in one sentence. */
export function safetyLine(s: JobSummaries['safety']): string {
  let line = `${s.total_events_created} events created, ${s.events_resolved} resolved, ${s.total_notifications_created} notifications`
  const unplaced = s.zones.storm.warnings_without_geometry
  if (unplaced.length > 0) line += `; warnings without outline: ${unplaced.map((w) => `${w.event} ×${w.alerts}`).join(', ')}`
  return line
}

/** What a behaviour pass did, in one sentence. */
export function behaviourLine(s: JobSummaries['behaviour']): string {
  const types = byName(s.new_by_type)
  return `${s.events_new} new events${types ? ` (${types})` : ''}, ${s.events_updated} updated, ${s.notifications} notifications; ${s.positions_fresh} new positions of ${plural(s.vessels, 'vessel')} (${s.positions_read} read in ${plural(s.slices, 'slice')}), watermark ${str(s.watermark_before)} → ${str(s.watermark_after)}`
}

function observed(s: {source: string; observed_at: string | null}, p: Painter): string {
  return `${p.source(s.source)} data${s.observed_at ? ` observed ${s.observed_at}` : ''}`
}

/** A job's summary for people: sentences, and tables where there are rows. */
function summaryText(result: JobRunResult, p: Painter): string[] {
  switch (result.job) {
    case 'vessels': {
      const s = result.summary
      if (!s) return []
      const lines = [`${vesselsLine(s)} from ${s.messages} messages (${s.provider}, ${observed(s, p)})`]
      if (s.fallback_reason) lines.push(p.warn(`fell back: ${s.fallback_reason}`))
      const d = s.distress
      if (d.raised + d.ongoing + d.tests > 0) lines.push(`distress: ${d.raised} raised, ${d.ongoing} ongoing, ${d.tests} tests, ${d.notifications} notifications`)
      return lines
    }
    case 'ports': {
      const s = result.summary
      if (!s) return []
      const lines = [`${portsLine(s)}; ${s.vessels_in_ports} vessels in ports (${observed(s, p)})`]
      if (s.stops) lines.push(`stops: ${s.stops.stops_started} started, ${s.stops.stops_ended} ended, ${s.stops.stops_open} open, from ${s.stops.positions_new} new positions`)
      return lines
    }
    case 'safety': {
      const s = result.summary
      if (!s) return []
      const zones = Object.entries(s.zones).map(([kind, z]) => [kind, p.source(z.source), str(z.observed_at), String(z.created), String(z.updated), String(z.unchanged), String(z.deactivated)])
      const w = s.webhooks
      return [
        `${safetyLine(s)}; ${s.events_open} open`,
        table(['zones', 'source', 'observed at', 'created', 'updated', 'unchanged', 'deactivated'], zones, p),
        `port sea state: ${s.port_weather.updated} of ${s.port_weather.ports} ports (${s.port_weather.source}); webhooks: ${w.sent} sent, ${w.failed} failed, ${w.queued} queued for retry, ${w.pending} pending`,
      ]
    }
    case 'behaviour': {
      const s = result.summary
      if (!s) return []
      const w = s.webhooks
      return [behaviourLine(s), `webhooks: ${w.sent} sent, ${w.failed} failed, ${w.queued} queued for retry, ${w.pending} pending`]
    }
    case 'backup': {
      const s = result.summary
      if (!s) return []
      return [`wrote ${s.file} (${s.bytes} bytes, integrity ${s.integrity}); ${plural(s.deleted.length, 'old backup')} deleted, ${s.kept} kept`]
    }
    case 'maintain': {
      const s = result.summary
      if (!s) return []
      const line = `integrity ${s.integrity}; ${s.bytes_before} bytes before, ${s.bytes_after} after: ${s.reclaimed_bytes} reclaimed`
      const steps = table(
        ['step', 'ran', 'seconds', 'bytes before', 'bytes after'],
        s.steps.map((t) => [t.step, t.detail, t.duration_seconds.toFixed(2), String(t.bytes_before), String(t.bytes_after)]),
        p,
      )
      if (!s.tables) return [line, steps]
      return [line, steps, table(['table', 'bytes'], s.tables.map((t) => [t.table, String(t.bytes)]), p)]
    }
    case 'cleanup': {
      const s = result.summary
      if (!s) return []
      const rows = Object.entries(s.deleted).map(([name, n]) => [name, String(n)])
      return [table(['table', 'rows deleted'], rows, p)]
    }
    case 'usage-report': {
      const s = result.summary
      if (!s) return []
      const lines = [`from ${s.since} to ${s.until}`]
      if (s.providers.length > 0) {
        lines.push(table(['provider', 'requests', 'quota', 'failed over'], s.providers.map((r) => [r.provider, String(r.requests), str(r.quota), r.failed_over ? p.warn('yes') : 'no']), p))
      }
      if (s.jobs.length > 0) {
        lines.push(
          table(
            ['job', 'runs', 'failed', 'skipped', 'avg s', 'max s', 'median s (7 d)'],
            s.jobs.map((j) => [j.job, String(j.runs), String(j.failed), String(j.skipped), str(j.avg_seconds), str(j.max_seconds), str(j.median_week_seconds)]),
            p,
          ),
        )
      }
      lines.push(s.anomalies.length === 0 ? 'no anomalies' : s.anomalies.map((a) => p.warn(`anomaly: ${a}`)).join('\n'))
      return lines
    }
    case 'health-check': {
      const s = result.summary
      if (!s) return []
      const paint = {up: p.good, down: p.bad, skipped: p.warn} as const
      const lines = [
        `${s.up} up, ${s.down} down, ${s.skipped} skipped`,
        table(
          ['target', 'status', 'response ms', 'detail'],
          s.probes.map((r) => [r.target, paint[r.status](r.status), str(r.response_ms), str(r.error ?? r.detail)]),
          p,
        ),
      ]
      if (s.disabled.length > 0) lines.push(`not probed (HARBORMASTER_PROBES_DISABLED): ${s.disabled.join(', ')}`)
      for (const t of s.transitions) lines.push(t.transition === 'down' ? p.bad(`${t.provider} went down (alert event ${t.alert_event_id})`) : p.good(`${t.provider} came back (alert event ${t.alert_event_id})`))
      if (s.notifications > 0) lines.push(`${plural(s.notifications, 'notification')} to ADMINs; webhooks: ${s.webhooks.sent} sent, ${s.webhooks.failed} failed, ${s.webhooks.queued} queued for retry`)
      return lines
    }
    case 'profile-refresh': {
      const s = result.summary
      if (!s) return []
      return [
        `${plural(s.profiles_written, 'vessel profile')} written as of ${s.computed_at} (${plural(s.chunks, 'chunk')}); over the 30 days since ${s.window_since}: ${s.vessels_heard_30d} heard, ${s.vessels_with_events_30d} with events; ${s.vessels_with_calls} with port calls`,
      ]
    }
    case 'quota-monitor': {
      const s = result.summary
      if (!s) return []
      const lines = [`${plural(s.failovers_started, 'failover')} started, ${s.failovers_lifted} lifted; ${plural(s.alerts_opened, 'alert event')} raised, ${s.alerts_resolved} resolved, ${plural(s.notifications, 'notification')}`]
      if (s.providers.length > 0) {
        const state = (v: string) => (v === 'blocked' ? p.bad(v) : v === 'switch' || v === 'warn' ? p.warn(v) : v)
        lines.push(
          table(
            ['provider', 'used', 'quota', '%', 'state', 'window resets at', 'action'],
            s.providers.map((r) => [r.provider, String(r.used), str(r.limit), str(r.percent), state(r.state), str(r.window_resets_at), r.action]),
            p,
          ),
        )
      } else lines.push('no provider has a quota (HARBORMASTER_QUOTAS)')
      return lines
    }
    case 'quota-reset': {
      const s = result.summary
      if (!s) return []
      const lines = [s.months_closed.length === 0 ? 'no month to close' : `closed ${s.months_closed.join(', ')}: ${plural(s.totals_recorded, 'provider total')} recorded; ${s.failovers_lifted} monthly failovers lifted`]
      if (s.totals.length > 0) lines.push(table(['month', 'provider', 'requests', 'quota'], s.totals.map((t) => [t.month, t.provider, String(t.requests), str(t.quota)]), p))
      return lines
    }
    case 'archive': {
      const s = result.summary
      if (!s) return []
      if (!s.enabled) return ['archiving is off (HARBORMASTER_ARCHIVE=off): nothing written']
      if (s.months.length === 0) return [`nothing new to archive in ${s.archive_dir}`]
      return [`${s.rows} rows (${s.bytes} bytes) archived to ${s.archive_dir}`, table(['month', 'table', 'rows', 'bytes'], s.months.map((m) => [m.month, m.table, String(m.rows), String(m.bytes)]), p)]
    }
    case 'weekly-summary': {
      const s = result.summary
      if (!s) return []
      return [`wrote ${s.report_path}: ${s.events_created} new events from ${s.since} to ${s.until}; ${plural(s.notified, 'ADMIN')} notified, ${s.webhooks_queued} webhooks queued; ${plural(s.deleted.length, 'old report')} deleted`]
    }
  }
}

export function renderJobOutcome(result: JobRunResult, p: Painter): string {
  const head = `${result.job}: ${p.status(result.status)}`
  if (result.status === 'skipped') return `${head}, ${result.reason}`
  if (result.status !== 'success') {
    // A run stopped early still says what it had done by then.
    return [`${head} after ${plural(result.attempts, 'attempt')}: ${result.error}`, ...summaryText(result, p)].join('\n')
  }
  return [`${head} in ${result.duration_seconds.toFixed(1)} s`, ...summaryText(result, p)].join('\n')
}

export function renderJobList(jobs: JobListEntry[], p: Painter): string {
  return table(
    ['job', 'schedule', 'next run (UTC)', 'last status', 'last run', 'failures in a row', 'state'],
    jobs.map((j) => [
      j.job,
      j.schedule_in_words,
      str(j.next_run),
      j.last_status ? p.status(j.last_status) : '-',
      str(j.last_run_at),
      String(j.consecutive_failures),
      j.paused ? p.warn(j.paused) : j.enabled ? 'enabled' : 'disabled',
    ]),
    p,
  )
}

export function renderHistory(rows: HistoryRow[], p: Painter): string {
  if (rows.length === 0) return 'no runs'
  return table(
    ['id', 'job', 'status', 'started (UTC)', 'seconds', 'peak MB', 'detail'],
    rows.map((r) => [String(r.id), r.job, p.status(r.status), r.started_at, str(r.duration_seconds), str(r.peak_rss_mb), (r.error ?? '').slice(0, 80)]),
    p,
  )
}
