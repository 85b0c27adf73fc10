// Building blocks every --json result and API payload shares: UTC times, data sources, health statuses.
import {z} from 'zod'

import {DATA_SOURCES} from '../services/db/schema.js'

/** A time in ISO 8601, always UTC (`Z`): the only way a time appears in --json output and API payloads. */
export const utcTime = z.iso.datetime().meta({id: 'utc_time', description: 'ISO 8601 time in UTC'})

/** Where a dataset came from: live, cached, fallback, emergency (shipped data) or simulated (demo). */
export const dataSource = z.enum(DATA_SOURCES).meta({id: 'data_source', description: 'where the data came from: live, cached, fallback, emergency (shipped data) or simulated (demo)'})

export const HEALTH_STATUSES = ['healthy', 'degraded', 'unhealthy'] as const
export const healthStatus = z.enum(HEALTH_STATUSES)

/** A count of things (rows, vessels, requests). */
export const count = z.number().int().nonnegative()

/** Counts by a name the data decides (a rejection reason, a table): the keys are data, not fields. */
export const countsByName = z.record(z.string(), count)
