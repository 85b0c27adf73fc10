// Signing in to the web page: an API token (a user's, or the bootstrap admin token) exchanged for a session
// cookie (HttpOnly, SameSite=Strict, Secure behind TLS) that lasts HARBORMASTER_WEB_SESSION_HOURS; the guard of
// every page (session, role, CSRF token on every state-changing request); signing out.
import {randomBytes, timingSafeEqual} from 'node:crypto'

import type {FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler} from 'fastify'

import {type Role, roleAtLeast, SESSION_COOKIE, tokenHolder} from '../api/auth.js'
import type {ApiOptions} from '../api/plugin.js'
import type {Context} from '../context.js'
import {deleteWebSession, insertWebSession, liveWebSession} from '../db/web-sessions.js'
import {sha256} from '../sha256.js'
import {html, type Html} from './html.js'
import {publicDocument, sendHtml} from './layout.js'
import type {PageView, WebUser} from './types.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user of a web request (set by webAuth). */
    webUser?: WebUser
    /** The session's CSRF token (set by webAuth). */
    csrf?: string
  }
}

const HOUR_MS = 3_600_000

/** The session's CSRF token: derived from the session's secret, so it is never stored and no one without the cookie can make it. */
function csrfOf(sessionToken: string): string {
  return sha256(`csrf:${sessionToken}`, 'base64url')
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Whether the request came over TLS (directly, or through a proxy that says so). */
function overTls(req: FastifyRequest): boolean {
  return req.protocol === 'https' || String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() === 'https'
}

function cookieOptions(req: FastifyRequest) {
  // No Max-Age: the browser forgets the cookie when it closes; the server ends the session at its expiry.
  return {path: '/', httpOnly: true, sameSite: 'strict' as const, secure: overTls(req)}
}

/** A path on this site to go back to after signing in; anything else (another site, the sign-in page) is `/`. */
function localPath(next: unknown): string {
  if (typeof next !== 'string' || !/^\/(?![/\\])[^\s]*$/.test(next) || next.startsWith('/sign-in')) return '/'
  return next
}

/** Whether a request wants a page (a browser navigating) rather than a fragment or data. */
function wantsPage(req: FastifyRequest): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && req.headers['hx-request'] === undefined && /text\/html/.test(String(req.headers.accept ?? ''))
}

/** The page the browser shows: the request's own URL, or for an htmx request the page it was made from. */
function pageOf(req: FastifyRequest): string {
  const current = req.headers['hx-current-url']
  if (typeof current !== 'string') return req.url
  try {
    const url = new URL(current)
    return `${url.pathname}${url.search}`
  } catch {
    return '/'
  }
}

function signInForm(opts: {next: string; problem?: string}): Html {
  return publicDocument(
    'Sign in',
    html`<section class="sign-in">
<h1>harbormaster</h1>
<p>Sign in with your API token (from <code>harbormaster users add</code>, or the bootstrap admin token).</p>
${opts.problem ? html`<p class="problem" role="alert" id="sign-in-problem">${opts.problem}</p>` : ''}
<form method="post" action="/sign-in">
<input type="hidden" name="next" value="${opts.next}">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required autofocus${opts.problem ? html` aria-describedby="sign-in-problem"` : ''}>
<button type="submit">Sign in</button>
</form>
</section>`,
  )
}

/**
 * A preHandler for web routes: a signed-in user whose role carries at least `minimum`. Without a session a
 * page is redirected to the sign-in form (303) and a fragment or form post gets 401 (htmx follows its
 * HX-Redirect); below the role 403; a request other than GET/HEAD without the session's CSRF token 403.
 */
export function webAuth(ctx: Context, minimum: Role): preHandlerAsyncHookHandler {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const token = req.cookies?.[SESSION_COOKIE]
    const session = token ? await liveWebSession(ctx.db, sha256(token, 'hex'), ctx.clock.now()) : undefined
    if (!token || !session) {
      const signIn = `/sign-in?next=${encodeURIComponent(localPath(pageOf(req)))}`
      if (wantsPage(req)) return reply.redirect(signIn, 303)
      return sendHtml(reply.header('hx-redirect', signIn), html`<p class="problem">Your session has ended: sign in again.</p>`, 401)
    }
    const csrf = csrfOf(token)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const body = req.body as {_csrf?: unknown} | undefined
      const given = req.headers['x-csrf-token'] ?? (typeof body === 'object' && body !== null ? body._csrf : undefined)
      if (typeof given !== 'string' || !sameText(given, csrf)) {
        return sendHtml(reply, html`<p class="problem">This request did not carry the page's security token (CSRF): reload the page and try again.</p>`, 403)
      }
    }
    if (!roleAtLeast(session.role, minimum)) {
      return sendHtml(reply, html`<p class="problem">${minimum} role required: ${session.userName} is ${session.role}.</p>`, 403)
    }
    req.webUser = {name: session.userName, role: session.role}
    req.csrf = csrf
  }
}

/** What a page's handler renders with (after webAuth). */
export function pageView(req: FastifyRequest, ctx: Context): PageView {
  if (!req.webUser || !req.csrf) throw new Error(`${req.url}: pageView before webAuth`)
  return {ctx, user: req.webUser, csrf: req.csrf, url: req.url}
}

/** GET and POST /sign-in, POST /sign-out. */
export const sessionRoutes: FastifyPluginAsync<ApiOptions> = async (app, {ctx}) => {
  app.get<{Querystring: {next?: string}}>('/sign-in', async (req, reply) => sendHtml(reply, signInForm({next: localPath(req.query.next)})))

  app.post<{Body: {token?: unknown; next?: unknown}}>('/sign-in', async (req, reply) => {
    const next = localPath(req.body?.next)
    // Another site's form cannot sign a browser in to a session of the attacker's choosing.
    const origin = req.headers.origin
    if (origin !== undefined && origin !== 'null' && new URL(origin).host !== req.headers.host) {
      return sendHtml(reply, signInForm({next, problem: 'Sign-in refused: the form was sent from another site.'}), 403)
    }
    const given = typeof req.body?.token === 'string' ? req.body.token.trim() : ''
    if (!given) return sendHtml(reply, signInForm({next, problem: 'Paste your API token to sign in.'}), 400)
    const holder = await tokenHolder(ctx, given)
    if (!holder) {
      return sendHtml(reply, signInForm({next, problem: 'That token is not valid: use a token from `harbormaster users add` or the bootstrap admin token.'}), 401)
    }
    const now = ctx.clock.now()
    const sessionToken = randomBytes(32).toString('base64url')
    await insertWebSession(
      ctx.db,
      {tokenHash: sha256(sessionToken, 'hex'), userId: holder.userId, userName: holder.name, role: holder.role, createdAt: now, expiresAt: now + ctx.config.webSessionHours * HOUR_MS},
      now,
    )
    ctx.logger.info('web sign-in', {user: holder.name, role: holder.role})
    return reply.setCookie(SESSION_COOKIE, sessionToken, cookieOptions(req)).redirect(next, 303)
  })

  app.post('/sign-out', {preHandler: webAuth(ctx, 'VIEWER')}, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE]
    if (token) await deleteWebSession(ctx.db, sha256(token, 'hex'))
    ctx.logger.info('web sign-out', {user: req.webUser?.name})
    return reply.clearCookie(SESSION_COOKIE, cookieOptions(req)).redirect('/sign-in', 303)
  })
}
