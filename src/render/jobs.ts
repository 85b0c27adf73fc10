// Jobs, their history and schedules as tables.
import {type Painter, table} from './terminal.js'

export interface JobResult {
  job: string
  status: string
  duration_seconds: number
  attempts: number
  reason?: string
  error?: string
  summary: unknown
}

export function renderJobOutcome(result: JobResult, p: Painter): string {
  const head = `${result.job}: ${p.status(result.status === 'success' ? 'success' : result.status)}`
  if (result.status === 'skipped') return `${head}, ${result.reason}`
  if (result.status !== 'success') return `${head} after ${result.attempts} attempt(s): ${result.error}`
  const summary = Object.entries(result.summary as Record<string, unknown>)
    .filter(([k]) => k !== 'success')
    .map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])
  return `${head} in ${result.duration_seconds.toFixed(1)} s\n${table(['', ''], summary).split('\n').slice(1).join('\n')}`
}

export function renderJobList(jobs: Array<Record<string, unknown>>, p: Painter): string {
  return table(
    ['job', 'schedule', 'next run (UTC)', 'last status', 'last run', 'failures in a row', 'state'],
    jobs.map((j) => [
      String(j.job),
      String(j.schedule_in_words),
      String(j.next_run),
      j.last_status ? p.status(String(j.last_status)) : '-',
      String(j.last_run_at ?? '-'),
      String(j.consecutive_failures),
      j.paused ? p.warn(String(j.paused)) : j.enabled ? 'enabled' : 'disabled',
    ]),
    p,
  )
}

export function renderHistory(rows: Array<Record<string, unknown>>, p: Painter): string {
  if (rows.length === 0) return 'no runs'
  return table(
    ['id', 'job', 'status', 'started (UTC)', 'seconds', 'peak MB', 'detail'],
    rows.map((r) => [
      String(r.id),
      String(r.job),
      p.status(String(r.status)),
      String(r.started_at),
      r.duration_seconds === null ? '-' : String(r.duration_seconds),
      r.peak_rss_mb === null ? '-' : String(r.peak_rss_mb),
      String(r.error ?? '').slice(0, 80),
    ]),
    p,
  )
}
