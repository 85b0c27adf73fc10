// The SQLite schema (what drizzle-kit generates drizzle/sqlite from): harbormaster's tables built with
// SQLite's column kit, and the row types services use. tables.ts defines them once for both databases.
import {sqliteKit} from './kit-sqlite.js'
import {defineTables} from './tables.js'

export * from './model.js'

export const {ports, portCongestion, portCongestionDaily, portAreaCells, vesselStops, portCalls, vessels, vesselPositions, positionSuspects, discardedPositions, behaviourEpisodes, safetyZones, safetyEvents, users, watchlists, notifications, jobRuns, jobLocks, apiCache, settings, providerUsage, providerState, portWeather, alertRules, alertEvents, apiTasks, pendingStormAlerts, tableRows, queueJobs, queueWorkers, vesselFindings, vesselIdentityValues, webSessions} = defineTables(sqliteKit)


export type Port = typeof ports.$inferSelect
export type NewPort = typeof ports.$inferInsert
export type Vessel = typeof vessels.$inferSelect
export type SafetyZone = typeof safetyZones.$inferSelect
export type NewSafetyZone = typeof safetyZones.$inferInsert
export type SafetyEvent = typeof safetyEvents.$inferSelect
export type JobRun = typeof jobRuns.$inferSelect
export type JobLock = typeof jobLocks.$inferSelect
export type PortCongestion = typeof portCongestion.$inferSelect
export type AlertRule = typeof alertRules.$inferSelect
export type AlertEvent = typeof alertEvents.$inferSelect
export type PendingStormAlert = typeof pendingStormAlerts.$inferSelect
export type VesselFinding = typeof vesselFindings.$inferSelect
