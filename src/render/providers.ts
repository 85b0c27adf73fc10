// Providers as people read them: a provider's probe figures in one cell of `providers status`.
import type {ProviderProbeFigures} from '../schemas/providers.js'

export function probeColumn(f: ProviderProbeFigures): string {
  if (!f.enabled) return 'probes off'
  if (f.probes_7d === 0) return '-'
  const pct = (v: number | null) => (v === null ? '-' : `${v} %`)
  return `${pct(f.uptime_24h_percent)} / ${pct(f.uptime_7d_percent)}, ${f.response_ms_p50 ?? '-'}/${f.response_ms_p95 ?? '-'}`
}
