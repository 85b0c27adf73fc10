// Human-readable renderings of the services' results (the --json output is the results themselves).
import type {FallbackReport} from '../services/fallback/ensure.js'
import type {HealthReport} from '../services/health.js'
import type {BackgroundJobsSummary} from '../services/jobs/runner.js'
import type {EventCheckResult} from '../services/safety/check.js'
import type {SystemCheck} from '../services/system-check.js'
import type {WorkerStats} from '../services/alerts/worker.js'
import {type Painter, table} from './terminal.js'

const str = (value: unknown) => (value === undefined || value === null ? '-' : String(value))

export function renderJobsSummary(summary: BackgroundJobsSummary, p: Painter): string {
  const rows: string[][] = []
  for (const [key, job] of Object.entries(summary.jobs) as unknown as Array<[string, Record<string, unknown>]>) {
    const status = job.skipped ? 'skipped' : job.success ? 'ok' : String(job.status ?? 'failed')
    let result: string
    if (job.skipped) result = str(job.reason)
    else if (!job.success && !job.stopped) result = str(job.error)
    else {
      if (key === 'vessel_positions') result = `${job.vessels_updated} vessels updated, ${job.positions_stored} positions stored, ${job.duplicates} duplicates`
      else if (key === 'port_congestion') {
        const levels = job.levels as Record<string, number>
        result = `${job.ports_updated} ports: ${job.ports_with_data} with data (${levels.elevated} elevated, ${levels.high} high, ${levels.severe} severe), ${job.ports_no_data} no data`
      } else result = `${job.total_events_created} events created, ${job.events_resolved} resolved, ${job.total_notifications_created} notifications`
      // A run stopped early (timeout, signal) says why and what it had done by then.
      if (job.stopped) result = `${str(job.error)}; by then ${result}`
    }
    rows.push([key, p.status(status), str(job.errors_count ?? 0), job.source ? p.source(String(job.source)) : '-', str(job.observed_at), result])
  }
  const footer = `${summary.total_success ? p.good('all jobs succeeded') : p.bad('some jobs failed')} in ${summary.duration_seconds} s`
  return `${table(['job', 'status', 'errors', 'source', 'observed at', 'result'], rows, p)}\n${footer}`
}

export function renderFallbackReport(report: FallbackReport, p: Painter): string {
  const rows = (['ports', 'vessels', 'safety_zones'] as const).map((k) => [
    k,
    String(report[k].created),
    String(report[k].kept),
    String(report[k].recreated),
    String(report[k].untouched),
  ])
  const rejected = report.rejected
  return [
    table(['dataset', 'created', 'kept', 'recreated', 'untouched (not fallback)'], rows, p),
    p.dim(
      `shipped rows rejected as unreadable: ${rejected.ports} ports, ${rejected.piracy_incidents} piracy incidents, ${rejected.ais_sentences} AIS sentences`,
    ),
  ].join('\n')
}

export function renderEventCheck(result: EventCheckResult, p: Painter): string {
  if (result.status !== 'success' && result.status !== 'dry_run') return `${p.status(result.status)}: ${result.reason}`
  const verb = result.dry_run ? 'would create' : 'created'
  const resolvedVerb = result.dry_run ? 'would resolve' : 'resolved'
  const rows = [
    ...result.created.map((e) => [p.status(verb === 'created' ? 'created' : verb), e.type, e.severity ?? '-', p.source(e.source ?? '-'), e.title]),
    ...result.resolved.map((e) => [p.status(resolvedVerb), e.type, '-', '-', e.title]),
  ]
  const head = `${result.dry_run ? 'dry run (nothing written): ' : ''}${result.events_created} ${verb}, ${result.events_resolved} ${resolvedVerb}, ${result.notifications_created} notifications; ${result.vessels_checked} vessels against ${result.zones_checked} zones`
  return rows.length > 0 ? `${table(['action', 'type', 'severity', 'source', 'event'], rows, p)}\n${head}` : head
}

export function renderHealth(report: HealthReport, p: Painter): string {
  const c = report.components
  const rows = [
    ['database', p.status(c.database.status), `${c.database.ports} ports, ${c.database.vessels} vessels, ${c.database.events} events, ${c.database.notifications} notifications${c.database.reason ? `; ${c.database.reason}` : ''}`],
    ['ais_service', p.status(c.ais_service.status), `${c.ais_service.source ? `${p.source(c.ais_service.source)} data, newest ${c.ais_service.last_position_at}` : 'no positions'}${c.ais_service.reason ? `; ${c.ais_service.reason}` : ''}`],
    ['recent_activity', p.status(c.recent_activity.status), `${c.recent_activity.events_24h} events and ${c.recent_activity.notifications_24h} notifications in 24 h${c.recent_activity.reason ? `; ${c.recent_activity.reason}` : ''}`],
  ]
  if (c.providers) {
    rows.push(['providers', p.status(c.providers.status), `${c.providers.failed_over.length > 0 ? `failed over: ${c.providers.failed_over.join(', ')}` : 'all live or unused'}${c.providers.reason ? `; ${c.providers.reason}` : ''}`])
  }
  if (c.jobs) {
    rows.push(['jobs', p.status(c.jobs.status), c.jobs.checks.length === 0 ? 'every job within its thresholds' : c.jobs.checks.map((k) => `${k.job} ${k.check}: ${k.reason}`).join('; ')])
  }
  if (c.host) rows.push(['host', p.status(c.host.status), c.host.reason ?? `${c.host.free_disk_percent} % disk free`])
  return `${table(['component', 'status', 'detail'], rows, p)}\noverall: ${p.status(report.overall_status)}`
}

export function renderSystemCheck(report: SystemCheck, p: Painter): string {
  const rows = Object.entries(report.settings).map(([key, s]) => [key, s.env, s.value === undefined ? p.dim('(unset)') : String(s.value)])
  const d = report.database
  const db = d.ok ? p.good(`database ${d.path}: ok, ${d.migrations_total} migrations applied, every table present`) : p.bad(`database ${d.path}: ${d.problem}`)
  return `${table(['setting', 'environment', 'value'], rows, p)}\n${db}`
}

export function renderWorkerStats(stats: WorkerStats, p: Painter): string {
  const rows = Object.entries(stats).map(([k, v]) => [k, String(v ?? '-')])
  return table(['statistic', 'value'], rows, p)
}
