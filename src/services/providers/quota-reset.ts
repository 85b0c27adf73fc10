// quota-reset (the 1st of each month, 00:00 UTC): every month that is over and not yet closed gets each
// provider's total recorded (calls, windows, busiest window, the quota that applied), so the history outlives
// the per-window counts; then the quota monitor judges the new windows, lifting the failover of providers whose
// monthly quota ran out last month. A missed run closes every month it missed, once.
import type {QuotaResetJobSummary} from '../../schemas/job-summaries.js'
import type {ProviderUsageMonths} from '../../schemas/providers.js'
import {type Quota, quotasOf} from '../config.js'
import type {Context} from '../context.js'
import {latestClosedMonth, monthTotalsSince, type ProviderUsageMonth, recordMonthTotals} from '../db/provider-usage-months.js'
import {earliestUsageWindow, type UsageWindow, usageWindowsBetween} from '../db/provider-usage.js'
import {runQuotaMonitor} from './quota-monitor.js'
import {quotaWindowOf} from './usage.js'

export type {QuotaResetJobSummary} from '../../schemas/job-summaries.js'

/** A month start as `YYYY-MM`. */
export const monthName = (monthStart: number) => new Date(monthStart).toISOString().slice(0, 7)

/** Counted windows summed per provider and calendar month, oldest month first, with the quota that applies now. */
function monthTotals(windows: UsageWindow[], quotas: Map<string, Quota>, closedAt: number): ProviderUsageMonth[] {
  const totals = new Map<string, ProviderUsageMonth>()
  for (const w of windows) {
    const monthStart = quotaWindowOf('month', w.windowStart).start
    const key = `${monthStart} ${w.provider}`
    let total = totals.get(key)
    if (!total) {
      const quota = quotas.get(w.provider)
      total = {provider: w.provider, monthStart, requests: 0, windows: 0, peakWindowRequests: 0, quotaLimit: quota?.limit ?? null, quotaWindow: quota?.window ?? null, closedAt}
      totals.set(key, total)
    }
    total.requests += w.requests
    total.windows++
    total.peakWindowRequests = Math.max(total.peakWindowRequests, w.requests)
  }
  return [...totals.values()].sort((a, b) => a.monthStart - b.monthStart || a.provider.localeCompare(b.provider))
}

export async function runQuotaReset(ctx: Context): Promise<QuotaResetJobSummary> {
  const now = ctx.clock.now()
  const thisMonth = quotaWindowOf('month', now).start
  const latest = await latestClosedMonth(ctx.db)
  const from = latest !== null ? quotaWindowOf('month', latest).end : await earliestUsageWindow(ctx.db)

  const windows = from !== null && from < thisMonth ? await usageWindowsBetween(ctx.db, quotaWindowOf('month', from).start, thisMonth) : []
  const rows = monthTotals(windows, quotasOf(ctx.config), now)
  const recorded = await recordMonthTotals(ctx.db, rows)
  const months = [...new Set(rows.map((r) => monthName(r.monthStart)))]
  for (const month of months) ctx.logger.info(`closed ${month}: ${rows.filter((r) => monthName(r.monthStart) === month).map((r) => `${r.provider} ${r.requests}`).join(', ')}`)

  // The monthly windows have reset: the monitor lifts their failovers now rather than at its next minute.
  const monitor = await runQuotaMonitor(ctx)
  const lifted = monitor.providers.filter((p) => p.action === 'lifted' && quotasOf(ctx.config).get(p.provider)?.window === 'month').length
  return {
    success: true,
    months_closed: months,
    totals_recorded: recorded,
    totals: rows.map((r) => ({month: monthName(r.monthStart), provider: r.provider, requests: r.requests, quota: r.quotaLimit === null ? null : `${r.quotaLimit}/${r.quotaWindow}`})),
    failovers_lifted: lifted,
  }
}


/**
 * `providers usage`: each provider's calls per month over the last `months` months, newest first: the closed
 * months as quota-reset recorded them, and the month under way counted so far.
 */
export async function providerUsageMonths(ctx: Context, months: number): Promise<ProviderUsageMonths> {
  const now = ctx.clock.now()
  const thisMonth = quotaWindowOf('month', now)
  const since = new Date(thisMonth.start)
  since.setUTCMonth(since.getUTCMonth() - (months - 1))
  const open = monthTotals(await usageWindowsBetween(ctx.db, thisMonth.start, thisMonth.end), quotasOf(ctx.config), now)
  const closed = months > 1 ? await monthTotalsSince(ctx.db, since.getTime()) : []
  const row = (r: ProviderUsageMonth, isClosed: boolean) => ({
    month: monthName(r.monthStart),
    provider: r.provider,
    requests: r.requests,
    windows: r.windows,
    peak_window_requests: r.peakWindowRequests,
    quota: r.quotaLimit === null ? null : `${r.quotaLimit}/${r.quotaWindow}`,
    closed: isClosed,
    closed_at: isClosed ? new Date(r.closedAt).toISOString() : null,
  })
  return {first_month: monthName(since.getTime()), totals: [...open.map((r) => row(r, false)), ...closed.filter((r) => r.monthStart < thisMonth.start).map((r) => row(r, true))]}
}
