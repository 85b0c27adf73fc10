// The web page in `serve`: cookies and form bodies parsed, the sign-in routes, the assets and every page,
// registered by buildServer after the API's resources (so the API's rate limit and error shape apply too).
import fastifyCookie from '@fastify/cookie'
import fastifyFormbody from '@fastify/formbody'
import type {FastifyPluginAsync} from 'fastify'

import type {ApiOptions} from '../api/plugin.js'
import {assetRoutes} from './assets.js'
import {PAGE_ROUTES} from './pages.js'
import {sessionRoutes} from './session.js'

export const webRoutes: FastifyPluginAsync<ApiOptions> = async (app, options) => {
  await app.register(fastifyCookie)
  await app.register(fastifyFormbody, {bodyLimit: 16 * 1024})
  await app.register(assetRoutes)
  await app.register(sessionRoutes, options)
  for (const page of PAGE_ROUTES) await app.register(page as FastifyPluginAsync<ApiOptions>, options)
}
