// Human-readable renderings of the services' results (the --json output is the results themselves).
import type {FallbackReport} from '../services/fallback/ensure.js'
import type {HealthReport} from '../services/health.js'
import type {JobSummaries} from '../schemas/job-summaries.js'
import type {BackgroundJobsSummary} from '../schemas/jobs.js'
import {BACKGROUND_JOBS} from '../services/jobs/names.js'
import {behaviourLine, portsLine, safetyLine, vesselsLine} from './jobs.js'
import type {EventCheckResult} from '../services/safety/check.js'
import type {SystemCheck} from '../services/system-check.js'
import type {WorkerStats} from '../services/alerts/worker.js'
import {type Painter, table} from './terminal.js'

const str = (value: unknown) => (value === undefined || value === null ? '-' : String(value))

export function renderJobsSummary(summary: BackgroundJobsSummary, p: Painter): string {
  const rows: string[][] = []
  for (const job of BACKGROUND_JOBS) {
    const entry = summary.jobs[job.key]
    if (!entry) continue
    const skipped = 'skipped' in entry && entry.skipped === true
    const stopped = 'stopped' in entry && entry.stopped === true
    const status = skipped ? 'skipped' : entry.success ? 'ok' : String(entry.status ?? 'failed')
    let result: string
    if (skipped) result = str(entry.reason)
    else if (!entry.success && !stopped) result = str(entry.error)
    else {
      // It ran (to the end, or until it was stopped): its own summary.
      if (job.name === 'vessels') result = vesselsLine(entry as JobSummaries['vessels'])
      else if (job.name === 'ports') result = portsLine(entry as JobSummaries['ports'])
      else if (job.name === 'safety') result = safetyLine(entry as JobSummaries['safety'])
      else result = behaviourLine(entry as JobSummaries['behaviour'])
      // A run stopped early says why and what it had done by then.
      if (stopped) result = `${str(entry.error)}; by then ${result}`
    }
    const source = 'source' in entry ? entry.source : undefined
    const observedAt = 'observed_at' in entry ? entry.observed_at : undefined
    rows.push([job.key, p.status(status), str(entry.errors_count ?? 0), source ? p.source(source) : '-', str(observedAt), result])
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
  const cells = report.anchorage_cells
  rows.splice(1, 0, ['anchorage_cells', String(cells.created), String(cells.kept), String(cells.recreated), String(cells.untouched)])
  const rejected = report.rejected
  const unmatched = cells.unmatched.slice(0, 10).map((u) => `${u.label.trim()} (${u.iso3 ?? '?'}, ${u.cells})`)
  return [
    table(['dataset', 'created', 'kept', 'recreated', 'untouched (not fallback)'], rows, p),
    p.dim(
      `named anchorages: ${cells.matched_by_name} cells placed by port name, ${cells.matched_by_proximity} by the nearest port within 20 km; ` +
        `${cells.unmatched_cells} cells under ${cells.unmatched_labels} labels match no port${unmatched.length > 0 ? ` (most cells: ${unmatched.join(', ')}; all in --json)` : ''}`,
    ),
    p.dim(
      `shipped rows rejected as unreadable: ${rejected.ports} ports, ${rejected.anchorage_rows} anchorages, ${rejected.piracy_incidents} piracy incidents, ${rejected.ais_sentences} AIS sentences`,
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
  const d = c.database
  // What a PostgreSQL server adds: its size and its connections.
  const server = d.size_bytes === undefined ? '' : `; ${(d.size_bytes / 1024 / 1024).toFixed(1)} MB, ${d.connections} of ${d.max_connections} connections`
  const rows = [
    ['database', p.status(d.status), `${d.ports} ports, ${d.vessels} vessels, ${d.events} events, ${d.notifications} notifications${server}${d.reason ? `; ${d.reason}` : ''}`],
    ['ais_service', p.status(c.ais_service.status), `${c.ais_service.source ? `${p.source(c.ais_service.source)} data, newest ${c.ais_service.last_position_at}` : 'no positions'}${c.ais_service.reason ? `; ${c.ais_service.reason}` : ''}`],
    ['recent_activity', p.status(c.recent_activity.status), `${c.recent_activity.events_24h} events and ${c.recent_activity.notifications_24h} notifications in 24 h${c.recent_activity.reason ? `; ${c.recent_activity.reason}` : ''}`],
  ]
  if (c.providers) {
    rows.push(['providers', p.status(c.providers.status), `${c.providers.failed_over.length > 0 ? `failed over: ${c.providers.failed_over.join(', ')}` : 'all live or unused'}${c.providers.reason ? `; ${c.providers.reason}` : ''}`])
  }
  if (c.storm_alerts) {
    const s = c.storm_alerts
    rows.push(['storm_alerts', p.status(s.status), s.reason ?? `${s.alerts_waiting} alerts waiting for zone outlines, ${s.alerts_unplaceable} unplaceable; every warning placed`])
  }
  if (c.jobs) {
    rows.push(['jobs', p.status(c.jobs.status), c.jobs.checks.length === 0 ? 'every job within its thresholds' : c.jobs.checks.map((k) => `${k.job} ${k.check}: ${k.reason}`).join('; ')])
  }
  if (c.queue) {
    const q = c.queue
    const figures = `${q.pending} due, ${q.dead_24h} dead in 24 h, ${q.live_workers} live worker(s)${q.paused_queues.length > 0 ? `; paused: ${q.paused_queues.join(', ')}` : ''}`
    rows.push(['queue', p.status(q.status), q.reason ?? (q.checks.length === 0 ? figures : q.checks.map((k) => k.reason).join('; '))])
  }
  if (c.host) rows.push(['host', p.status(c.host.status), c.host.reason ?? `${c.host.free_disk_percent} % disk free`])
  return `${table(['component', 'status', 'detail'], rows, p)}\noverall: ${p.status(report.overall_status)}`
}

export function renderSystemCheck(report: SystemCheck, p: Painter): string {
  const rows = Object.entries(report.settings).map(([key, s]) => [
    s.problem ? p.bad(`✗ ${key}`) : `  ${key}`,
    s.env,
    s.value === undefined ? p.dim('(unset)') : String(s.value),
    s.from,
    s.problem ? p.bad(s.problem) : '',
  ])
  const lines = [table(['setting', 'environment', 'value', 'from', 'problem'], rows, p)]
  // The settings' own problems lead the list and are in the table already; the others follow them.
  const bad = Object.values(report.settings).filter((s) => s.problem).length
  for (const problem of report.problems.slice(bad)) lines.push(p.bad(problem))
  const d = report.database
  lines.push(
    d.ok
      ? p.good(`database ${d.path}: ok, ${d.migrations_total} migrations applied, every table present`)
      : p.bad(`${d.problem?.includes(d.path) ? 'database' : `database ${d.path}`}: ${d.problem}${d.hint ? `; ${d.hint}` : ''}`),
  )
  if (bad > 0) lines.push(p.bad(`${bad} setting(s) marked ✗ need fixing`))
  return lines.join('\n')
}

export function renderWorkerStats(stats: WorkerStats, p: Painter): string {
  const rows = Object.entries(stats).map(([k, v]) => [k, String(v ?? '-')])
  return table(['statistic', 'value'], rows, p)
}
