// POST /api/events/check/: event detection (check-events), or with dry_run=true what it would do, writing nothing.
import {z} from 'zod'

import {eventCheckResult} from '../../schemas/safety.js'
import {checkEvents} from '../safety/check.js'
import {requireRole} from './auth.js'
import type {ResourceRoutes} from './plugin.js'

export const eventCheckQuerySchema = z.strictObject({dry_run: z.stringbool().default(false)})

export const eventRoutes: ResourceRoutes = async (api, {ctx}) => {
  api.post(
    '/api/events/check/',
    {preHandler: requireRole(ctx, 'ADMIN'), schema: {querystring: eventCheckQuerySchema, response: {200: eventCheckResult}}},
    async (req) => checkEvents(ctx, {dryRun: req.query.dry_run}),
  )
}
