// The optional dead-man's switch (HARBORMASTER_PING_URL, healthchecks.io's convention): `/start` when a job
// starts, the URL itself on success, `/fail` on failure. `{job}` in the URL is replaced by the job's name.
// A ping never delays a job and never fails it: it goes out alongside the job, and the command waits for it
// (its short timeout at most) before it ends.
import {alongside} from '../alongside.js'
import type {Context} from '../context.js'
import {createHttpClient, send} from '../http/client.js'
import {runtimeOf} from '../providers/fetch.js'

const PING_TIMEOUT_MS = 3000

export function ping(ctx: Context, job: string, kind: 'start' | 'success' | 'fail'): void {
  const base = ctx.config.pingUrl
  if (base) alongside(sendPing(ctx, base, job, kind))
}

async function sendPing(ctx: Context, base: string, job: string, kind: 'start' | 'success' | 'fail'): Promise<void> {
  const url = `${base.replace('{job}', encodeURIComponent(job)).replace(/\/+$/, '')}${kind === 'success' ? '' : `/${kind}`}`
  try {
    ctx.http ??= createHttpClient()
    await send(
      ctx.http,
      {method: 'POST', url, json: {job, status: kind}},
      {provider: 'ping', connectTimeoutMs: PING_TIMEOUT_MS, readTimeoutMs: PING_TIMEOUT_MS, retries: 0, maxBytes: 65_536, baseDelayMs: 0, maxDelayMs: 0, maxRetryAfterMs: 0, deadlineMs: PING_TIMEOUT_MS},
      runtimeOf(ctx),
    )
  } catch (error) {
    // The URL is a secret (it lets anyone report for this check): only the kind of failure is logged.
    const {kind: failure, status} = error as {kind?: string; status?: number}
    ctx.logger.warn(`dead-man's-switch ping (${kind}) failed; the job is not affected`, {error: status ? `HTTP ${status}` : (failure ?? 'error')})
  }
}
