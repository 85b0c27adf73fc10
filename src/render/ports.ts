// Port congestion and port calls as tables for people (the --json output is the report itself).
import type {PortCongestionReport} from '../services/ports/congestion-report.js'
import type {PortCallsReport} from '../services/ports/port-calls-report.js'
import {type Painter, table} from './terminal.js'

const str = (value: unknown) => (value === undefined || value === null ? '-' : String(value))

export function renderCongestion(report: PortCongestionReport, p: Painter): string {
  if (report.count === 0) return p.dim('no ports to show (has the ports job run? `run-background-jobs --job ports`)')
  const level = (l: string) => (l === 'severe' || l === 'high' ? p.bad(l) : l === 'elevated' ? p.warn(l) : l === 'normal' ? p.good(l) : p.dim(l))
  const rows = report.ports.map((e) => [
    str(e.unlocode ?? e.wpi_number),
    e.name,
    level(e.level),
    str(e.waiting),
    str(e.at_berth),
    e.waiting_unknown_type || e.at_berth_unknown_type ? `${e.waiting_unknown_type}/${e.at_berth_unknown_type}` : '-',
    e.baseline === null ? '-' : `${e.baseline} (${e.baseline_days} d)`,
    e.median_wait_hours === null ? '-' : `${e.median_wait_hours} h (${e.waits_counted})`,
    p.source(e.source),
    str(e.observed_at),
  ])
  return [
    table(['port', 'name', 'level', 'waiting', 'at berth', 'unknown type', 'baseline', 'median wait', 'source', 'observed at'], rows, p),
    p.dim(`${report.count} port${report.count === 1 ? "" : "s"}; unknown type: waiting/at berth of vessels without a known AIS ship type`),
  ].join('\n')
}

/** A time to the minute, UTC: `2026-11-24 06:40`. */
const minute = (iso: string | null) => (iso === null ? '-' : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`)

export function renderPortCalls(report: PortCallsReport, p: Painter): string {
  const where = report.ports.length > 0 ? ` at ${report.ports.map((x) => x.unlocode ?? x.name).join(', ')}` : ''
  const what = report.calls_only ? (report.count === 1 ? 'call' : 'calls') : report.count === 1 ? 'port visit' : 'port visits'
  if (report.count === 0) {
    return p.dim(`no ${what}${where} since ${minute(report.since)} UTC (has the behaviour job run? \`run-background-jobs --job behaviour\`)`)
  }
  const rows = report.calls.map((c) => [
    str(c.unlocode),
    c.port_name,
    String(c.mmsi),
    str(c.vessel_name),
    c.kind === 'call' ? c.kind : p.dim(c.kind),
    minute(c.arrived_at),
    c.departed_at === null ? p.warn('in port') : minute(c.departed_at),
    `${c.hours_in_port} h`,
    `${c.waiting_hours} h`,
    `${c.at_berth_hours} h`,
    String(c.stops),
    String(c.gaps),
    p.source(c.source),
  ])
  return [
    table(['port', 'name', 'mmsi', 'vessel', 'kind', 'arrived (UTC)', 'departed', 'in port', 'waiting', 'at berth', 'stops', 'gaps', 'source'], rows, p),
    p.dim(`${report.count} ${what}${where} since ${minute(report.since)} UTC; waiting: stopped at anchorage before berthing`),
  ].join('\n')
}
