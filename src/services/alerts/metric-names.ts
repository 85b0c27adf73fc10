// The metrics an alert rule can watch, by name: light enough for flag definitions (metrics.ts reads them).
export const METRIC_NAMES = [
  'port.vessels_waiting',
  'port.congestion_level',
  'vessel.speed',
  'vessel.ais_gap_minutes',
  'zone.vessels_inside',
  'job.consecutive_failures',
  'job.last_duration_seconds',
  'provider.quota_used_percent',
  'provider.up',
] as const
export type MetricName = (typeof METRIC_NAMES)[number]
