// The web page's frame and the markup every page shares: the document (navigation, user, sign-out, the
// connection banner, assets), live regions, status words, times, paging, confirmations and empty tables.
import type {FastifyReply, FastifyRequest} from 'fastify'

import {type Role, roleAtLeast} from '../api/auth.js'

import {assetUrl} from './assets.js'
import {html, type Html, type HtmlValue} from './html.js'
import {type PageView, WEB_PAGES, type WebPageKey} from './types.js'

/** What the browser may load and run: only harbormaster's own assets (no inline script, no CDN). */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // htmx and uPlot set element styles from script.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

/** How often live regions ask for fresh markup. */
export const LIVE_REFRESH_SECONDS = 5

/** The head every document shares: assets, the viewport, the CSRF token when signed in. */
function head(title: string, csrf?: string): Html {
  return html`<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title} · harbormaster</title>
${csrf ? html`<meta name="csrf-token" content="${csrf}">` : ''}
<link rel="stylesheet" href="${assetUrl('uPlot.min.css')}">
<link rel="stylesheet" href="${assetUrl('app.css')}">
<script src="${assetUrl('htmx.min.js')}" defer></script>
<script src="${assetUrl('uPlot.iife.min.js')}" defer></script>
<script src="${assetUrl('app.js')}" defer></script>
</head>`
}

/** The region that says when the server cannot be reached (app.js shows and clears it). */
const CONNECTION_BANNER = html`<div id="connection" class="banner" role="alert" hidden></div>`

/** A whole page for a signed-in user: navigation (the current page marked), who is signed in, sign-out, the connection banner. */
export function pageDocument(view: PageView, opts: {key: WebPageKey; title: string; body: Html}): Html {
  const nav = WEB_PAGES.map(
    (page) => html`<li><a href="${page.path}"${page.key === opts.key ? html` aria-current="page"` : ''}>${page.label}</a></li>`,
  )
  return html`<!doctype html>
<html lang="en">
${head(opts.title, view.csrf)}
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/">harbormaster</a>
<nav aria-label="Pages"><ul>${nav}</ul></nav>
<div class="who">
<span class="user">${view.user.name} <span class="role">(${view.user.role})</span></span>
<form method="post" action="/sign-out" class="sign-out">${csrfField(view)}<button type="submit">Sign out</button></form>
</div>
</header>
${CONNECTION_BANNER}
<main id="main">
<h1>${opts.title}</h1>
${opts.body}
</main>
</body>
</html>`
}

/** A page for someone not signed in (the sign-in form): no navigation, no token. */
export function publicDocument(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
${head(title)}
<body class="public">
<main id="main">
${body}
</main>
</body>
</html>`
}

/** Sends markup as an HTML answer that no one caches and no other site frames. */
/** Whether the signed-in user holds `role` or a higher one (what a page shows controls for). */
export const may = (view: PageView, role: Role): boolean => roleAtLeast(view.user.role, role)

/** Whether a request came from htmx (rather than a plain form or link). */
export const isHtmx = (req: FastifyRequest): boolean => req.headers['hx-request'] === 'true'

/** After an action: the page to show next. A plain form is redirected (303); an htmx request is told where to go. */
export function goTo(req: FastifyRequest, reply: FastifyReply, url: string): FastifyReply {
  if (isHtmx(req)) return reply.header('hx-redirect', url).code(204).send()
  return reply.redirect(url, 303)
}

export function sendHtml(reply: FastifyReply, markup: Html, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .send(markup.text)
}

/**
 * A region the page refreshes every few seconds without reloading: `url` answers this same call's markup
 * alone (`live(id, url, freshBody)`), which replaces the region.
 */
export function live(id: string, url: string, body: Html): Html {
  return html`<div id="${id}" class="live" hx-get="${url}" hx-trigger="every ${LIVE_REFRESH_SECONDS}s" hx-swap="outerHTML">${body}</div>`
}

/** The hidden CSRF field of a plain form (htmx requests carry the token in a header, added by app.js). */
export function csrfField(view: PageView): Html {
  return html`<input type="hidden" name="_csrf" value="${view.csrf}">`
}

const TONES: Record<string, 'good' | 'warn' | 'bad' | 'idle'> = {
  healthy: 'good',
  ok: 'good',
  success: 'good',
  completed: 'good',
  normal: 'good',
  live: 'good',
  running: 'warn',
  active: 'good',
  degraded: 'warn',
  warning: 'warn',
  elevated: 'warn',
  retrying: 'warn',
  retry: 'warn',
  pending: 'idle',
  waiting: 'idle',
  scheduled: 'idle',
  skipped: 'idle',
  paused: 'warn',
  stale: 'warn',
  fallback: 'warn',
  cached: 'warn',
  high: 'bad',
  failed: 'bad',
  failure: 'bad',
  unhealthy: 'bad',
  dead: 'bad',
  error: 'bad',
  critical: 'bad',
  timeout: 'bad',
  lost: 'bad',
  down: 'bad',
}

/** A status written as its word with a colour beside it (the word carries the meaning; the colour only helps). */
export function statusBadge(word: string): Html {
  const tone = TONES[word.toLowerCase()] ?? 'idle'
  return html`<span class="badge badge-${tone}">${word}</span>`
}

type Instant = number | string | Date | null | undefined

function toDate(at: Instant): Date | undefined {
  if (at === null || at === undefined) return undefined
  const date = at instanceof Date ? at : new Date(at)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** `2026-11-29 22:05:01 UTC` */
export function utcText(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** A time in UTC (app.js adds the viewer's local time as its title); a dash when unknown. */
export function utc(at: Instant, empty = '—'): Html {
  const date = toDate(at)
  if (!date) return html`<span class="none">${empty}</span>`
  return html`<time datetime="${date.toISOString()}">${utcText(date)}</time>`
}

/** How long ago (or from now) `at` is from `now`, in words: `3 min ago`, `in 2 h`. */
export function agoText(at: number, now: number): string {
  const seconds = Math.round((now - at) / 1000)
  const size = Math.abs(seconds)
  const amount =
    size < 60 ? `${size} s` : size < 3600 ? `${Math.floor(size / 60)} min` : size < 172_800 ? `${Math.floor(size / 3600)} h` : `${Math.floor(size / 86_400)} d`
  if (size < 1) return 'now'
  return seconds >= 0 ? `${amount} ago` : `in ${amount}`
}

/** A time as how long ago it was (the UTC time in its title); a dash when unknown. */
export function timeAgo(at: Instant, now: number, empty = '—'): Html {
  const date = toDate(at)
  if (!date) return html`<span class="none">${empty}</span>`
  return html`<time datetime="${date.toISOString()}" title="${utcText(date)}">${agoText(date.getTime(), now)}</time>`
}

/** A duration in words: `850 ms`, `12.4 s`, `3 min 5 s`, `2 h 10 min`. */
export function durationText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

/** Links to the previous and next page of a table (keyset paging: the caller builds each URL). */
export function pager(opts: {label: string; previous?: string | null; next?: string | null; summary?: HtmlValue}): Html {
  return html`<nav class="pager" aria-label="${opts.label}">
${opts.previous ? html`<a href="${opts.previous}" rel="prev">← Newer</a>` : html`<span class="none" aria-hidden="true">← Newer</span>`}
${opts.summary ? html`<span class="pager-summary">${opts.summary}</span>` : ''}
${opts.next ? html`<a href="${opts.next}" rel="next">Older →</a>` : html`<span class="none" aria-hidden="true">Older →</span>`}
</nav>`
}

/**
 * A button for a destructive or weighty action: a form posting to `url` (with the CSRF field, so it works as
 * a plain form) that htmx submits after the browser asks `question`.
 */
export function confirmButton(
  view: PageView,
  opts: {url: string; label: string; question: string; danger?: boolean; target?: string; swap?: string; fields?: Record<string, string>},
): Html {
  const hidden = Object.entries(opts.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)
  return html`<form method="post" action="${opts.url}" class="inline" hx-post="${opts.url}" hx-confirm="${opts.question}"${
    opts.target ? html` hx-target="${opts.target}"` : ''
  }${opts.swap ? html` hx-swap="${opts.swap}"` : ''}>${csrfField(view)}${hidden}<button type="submit"${opts.danger === false ? '' : html` class="danger"`}>${opts.label}</button></form>`
}

/** The one row of a table with nothing to show, saying so. */
export function emptyRow(text: string, columns = 1): Html {
  return html`<tr class="empty"><td colspan="${columns}">${text}</td></tr>`
}
