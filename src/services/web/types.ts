// What the web page's modules share: who is signed in, what a page is given to render, and the navigation.
import type {Role} from '../api/auth.js'
import type {Context} from '../context.js'

/** The pages, in the navigation's order: key, path and label. */
export const WEB_PAGES = [
  {key: 'overview', path: '/', label: 'Overview'},
  {key: 'jobs', path: '/jobs', label: 'Jobs'},
  {key: 'queues', path: '/queues', label: 'Queues'},
  {key: 'workers', path: '/workers', label: 'Workers'},
  {key: 'schedules', path: '/schedules', label: 'Schedules'},
  {key: 'providers', path: '/providers', label: 'Providers'},
  {key: 'map', path: '/map', label: 'Map'},
] as const
export type WebPageKey = (typeof WEB_PAGES)[number]['key']

/** The signed-in user of a web request (from the session cookie). */
export interface WebUser {
  name: string
  role: Role
}

/** What a page's handler has to render: the services' context, the user, and the session's CSRF token. */
export interface PageView {
  ctx: Context
  user: WebUser
  /** The session's CSRF token: every form and state-changing request carries it. */
  csrf: string
  /** The request's path and query, for links back to the same view. */
  url: string
}
