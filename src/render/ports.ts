// Port congestion as a table for people (the --json output is the report itself).
import type {PortCongestionReport} from '../services/ports/congestion-report.js'
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
