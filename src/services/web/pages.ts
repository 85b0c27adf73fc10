// Every page of the web page, registered by the web plugin in this order (each page engineer adds one entry).
import type {FastifyPluginAsync} from 'fastify'
import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import type {ApiOptions} from '../api/plugin.js'
import {mapPage} from './map.js'
import {overviewPage} from './overview.js'
import {providersPage} from './providers.js'

/** One page's routes (its page, its fragments and its actions), with the API's options. */
export type WebRoutes = FastifyPluginAsyncZod<ApiOptions> | FastifyPluginAsync<ApiOptions>

export const PAGE_ROUTES: WebRoutes[] = [overviewPage, providersPage, mapPage]
