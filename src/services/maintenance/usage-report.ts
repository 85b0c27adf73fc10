// The daily usage report: provider calls and job durations over the last 24 h, with anomalies flagged
// (failed runs, a run three times slower than the job's median of the week before, quotas past 80 %,
// providers serving only fallbacks).
import type {UsageReportJobSummary} from '../../schemas/job-summaries.js'

import type {Context} from '../context.js'
import {providerUsageSince, runsStartedBetween} from '../db/usage-history.js'
import {isFailure} from '../jobs/runs.js'
import {median} from '../ports/statistics.js'
import {providerStatuses} from '../providers/status.js'

export type {UsageReportJobSummary} from '../../schemas/job-summaries.js'

export async function usageReport(ctx: Context): Promise<UsageReportJobSummary> {
  const now = ctx.clock.now()
  const since = now - 86_400_000
  const weekBefore = since - 7 * 86_400_000
  const anomalies: string[] = []

  const usage = await providerUsageSince(ctx.db, since - 86_400_000)
  const statuses = await providerStatuses(ctx)
  const providers = statuses
    .map((s) => {
      const requests = usage.filter((u) => u.provider === s.provider && u.windowStart >= since - 3_600_000).reduce((sum, u) => sum + u.requests, 0)
      if (s.usage.limit !== null && s.usage.used / s.usage.limit >= 0.8) anomalies.push(`${s.provider}: quota at ${Math.round((s.usage.used / s.usage.limit) * 100)} %`)
      if (s.failed_over) anomalies.push(`${s.provider}: serving fallbacks since ${s.failed_over_since}`)
      return {provider: s.provider, requests, quota: s.usage.limit === null ? null : `${s.usage.used}/${s.usage.limit}`, failed_over: s.failed_over}
    })
    .filter((p) => p.requests > 0 || p.failed_over || p.quota !== null)

  const recent = await runsStartedBetween(ctx.db, since)
  const previous = await runsStartedBetween(ctx.db, weekBefore, since)
  const names = [...new Set(recent.map((r) => r.job))].sort()
  const jobs = names.map((job) => {
    const runs = recent.filter((r) => r.job === job)
    const done = runs.filter((r) => r.durationMs !== null && r.status !== 'skipped')
    const seconds = done.map((r) => (r.durationMs as number) / 1000)
    const failed = runs.filter((r) => isFailure(r.status)).length
    const weekMedian = median(previous.filter((r) => r.job === job && r.status === 'success' && r.durationMs !== null).map((r) => (r.durationMs as number) / 1000))
    const max = seconds.length > 0 ? Math.max(...seconds) : null
    if (failed > 0) anomalies.push(`${job}: ${failed} failed run(s) in 24 h`)
    if (weekMedian !== null && max !== null && weekMedian > 0 && max > 3 * weekMedian) anomalies.push(`${job}: a run took ${max.toFixed(1)} s, over 3x the week's median of ${weekMedian.toFixed(1)} s`)
    return {
      job,
      runs: runs.length,
      failed,
      skipped: runs.filter((r) => r.status === 'skipped').length,
      avg_seconds: seconds.length > 0 ? Math.round((seconds.reduce((a, b) => a + b, 0) / seconds.length) * 10) / 10 : null,
      max_seconds: max === null ? null : Math.round(max * 10) / 10,
      median_week_seconds: weekMedian === null ? null : Math.round(weekMedian * 10) / 10,
    }
  })
  return {success: true, since: new Date(since).toISOString(), until: new Date(now).toISOString(), providers, jobs, anomalies}
}
