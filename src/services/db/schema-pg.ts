// The PostgreSQL schema (what drizzle-kit generates drizzle/postgres from): the same tables built with
// PostgreSQL's column kit.
import {pgKit} from './kit-pg.js'
import {defineTables} from './tables.js'

export const {ports, portCongestion, portCongestionDaily, portAreaCells, vesselStops, portCalls, vessels, vesselPositions, positionSuspects, discardedPositions, behaviourEpisodes, safetyZones, safetyEvents, users, watchlists, notifications, jobRuns, jobLocks, apiCache, settings, providerUsage, providerState, portWeather, alertRules, alertEvents, apiTasks, pendingStormAlerts, tableRows, queueJobs, queueWorkers, vesselFindings, vesselIdentityValues, webSessions} = defineTables(pgKit)
