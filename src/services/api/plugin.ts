// What each resource's routes are given: the services' context, the background tasks, and how answers
// are kept and masked.
import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import type {Context} from '../context.js'
import type {BackgroundTasks} from './background.js'

export interface ApiOptions {
  /** The services' context, without the stop signal: requests in flight finish on SIGTERM. */
  ctx: Context
  /** The server's own context, with the stop signal: what background runs get. */
  runs: Context
  tasks: BackgroundTasks
  /** Masks credentials in text an answer could carry. */
  mask: (text: string) => string
  /** Longest a health report is served while the data stays the same. */
  healthMaxAgeMs?: number
}

/** One resource's routes: a fastify plugin with zod schemas for its requests and answers. */
export type ResourceRoutes = FastifyPluginAsyncZod<ApiOptions>
