// The domain's fixed vocabularies, shared by both database schemas and by everything that reads them: where
// data came from, who made a row, kinds, levels, roles and statuses.

export const DATA_SOURCES = ['live', 'cached', 'fallback', 'emergency', 'simulated'] as const
export type DataSource = (typeof DATA_SOURCES)[number]
/** Who made a row: shipped fallback data (recreated by ensure-fallback-data --force), ingest, or a person. */
export const ORIGINS = ['fallback', 'ingest', 'user'] as const
export type Origin = (typeof ORIGINS)[number]
/** A port's congestion against its own baseline; no_data without positions, insufficient_history before 3 days of it. */
export const CONGESTION_LEVELS = ['normal', 'elevated', 'high', 'severe', 'no_data', 'insufficient_history'] as const
export type CongestionLevel = (typeof CONGESTION_LEVELS)[number]
export const TRENDS = ['rising', 'falling', 'steady', 'unknown'] as const
export type Trend = (typeof TRENDS)[number]
export const AREA_CELL_KINDS = ['anchorage', 'berth'] as const
export type AreaCellKind = (typeof AREA_CELL_KINDS)[number]
export const AREA_CELL_METHODS = ['name', 'proximity', 'learned'] as const
export type AreaCellMethod = (typeof AREA_CELL_METHODS)[number]
export const STOP_KINDS = ['anchorage', 'berth', 'outside'] as const
export type StopKind = (typeof STOP_KINDS)[number]
export const ZONE_KINDS = ['storm', 'piracy', 'congestion'] as const
export type ZoneKind = (typeof ZONE_KINDS)[number]
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
export type Severity = (typeof SEVERITIES)[number]
/** The queue's vessel checks whose findings are stored (vessel_findings). */
export const FINDING_CHECKS = ['identity', 'analysis'] as const
export type FindingCheck = (typeof FINDING_CHECKS)[number]

/** The identity fields of static reports whose every value is kept (vessel_identity_values). */
export const IDENTITY_FIELDS = ['imo', 'name', 'callsign', 'ship_type'] as const
export type IdentityField = (typeof IDENTITY_FIELDS)[number]

/** Events the safety job raises and resolves while their condition holds. */
export const SAFETY_EVENT_TYPES = ['storm', 'piracy', 'congestion', 'distress'] as const
/**
 * Events read from vessel behaviour (the behaviour pass): episodes with a start and an end, each stored once
 * by its dedupe key; resolved when the episode is over. The safety job never resolves them.
 */
export const BEHAVIOUR_EVENT_TYPES = ['ais_gap', 'loitering', 'encounter', 'identity', 'geofence'] as const
export type BehaviourEventType = (typeof BEHAVIOUR_EVENT_TYPES)[number]
export const EVENT_TYPES = [...SAFETY_EVENT_TYPES, ...BEHAVIOUR_EVENT_TYPES] as const
export type EventType = (typeof EVENT_TYPES)[number]
export const ROLES = ['ADMIN', 'OPERATOR', 'VIEWER'] as const
export type Role = (typeof ROLES)[number]
export const JOB_STATUSES = ['running', 'success', 'failed', 'skipped', 'timeout', 'cancelled', 'crashed'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]
export const ALERT_OPERATORS = ['>', '<', '==', '>=', '<=', '!='] as const
export type AlertOperator = (typeof ALERT_OPERATORS)[number]
/** pending: waiting for zone outlines; unplaceable: names no zone harbormaster can ask for; the rest are settled. */
export const STORM_ALERT_STATES = ['pending', 'unplaceable', 'completed', 'expired', 'withdrawn'] as const
export type StormAlertState = (typeof STORM_ALERT_STATES)[number]
/** A queued job's row: queued is scheduled, pending or retry by its due time and failures (the embedded queue engine). */
export const QUEUE_JOB_ROW_STATES = ['queued', 'active', 'completed', 'dead'] as const
export type QueueJobRowState = (typeof QUEUE_JOB_ROW_STATES)[number]
/** A health-check probe: answered, failed, or not made (its quota is spent or nearly so). */
export const PROBE_STATUSES = ['up', 'down', 'skipped'] as const
export type ProbeStatus = (typeof PROBE_STATUSES)[number]

/** A provider's quota window: the calendar month is UTC's. */
export const QUOTA_WINDOWS = ['minute', 'hour', 'day', 'month'] as const
export type QuotaWindow = (typeof QUOTA_WINDOWS)[number]
/** Where a provider stands against its quota, mildest first: warned at 80 %, on its fallback at 95 %, not called at 100 %. */
export const QUOTA_MONITOR_STATES = ['ok', 'warn', 'switch', 'blocked'] as const
export type QuotaMonitorState = (typeof QUOTA_MONITOR_STATES)[number]
