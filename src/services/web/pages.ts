// Every page of the web page, registered by the web plugin in this order (each page engineer adds one entry).
import type {FastifyPluginAsync} from 'fastify'
import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import type {ApiOptions} from '../api/plugin.js'
import {jobsPage} from './jobs.js'
import {mapPage} from './map.js'
import {overviewPage} from './overview.js'
import {providersPage} from './providers.js'
import {queuesPage} from './queues.js'
import {schedulesPage} from './schedules.js'
import {workersPage} from './workers.js'

/** One page's routes (its page, its fragments and its actions), with the API's options. */
export type WebRoutes = FastifyPluginAsyncZod<ApiOptions> | FastifyPluginAsync<ApiOptions>

/** In the navigation's order (WEB_PAGES). */
export const PAGE_ROUTES: WebRoutes[] = [overviewPage, jobsPage, queuesPage, workersPage, schedulesPage, providersPage, mapPage]
