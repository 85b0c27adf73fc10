// The domain model as drizzle schema. Times are UTC epoch milliseconds; every dataset row carries the
// source it came from (live, cached, fallback, emergency) and when it was observed.
import {sql} from 'drizzle-orm'
import {type AnySQLiteColumn, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex} from 'drizzle-orm/sqlite-core'

export const DATA_SOURCES = ['live', 'cached', 'fallback', 'emergency', 'simulated'] as const
export type DataSource = (typeof DATA_SOURCES)[number]

/** Who made a row: shipped fallback data (recreated by ensure-fallback-data --force), ingest, or a person. */
export const ORIGINS = ['fallback', 'ingest', 'user'] as const
export type Origin = (typeof ORIGINS)[number]

export const ports = sqliteTable(
  'ports',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    wpiNumber: text('wpi_number'),
    unlocode: text('unlocode'),
    name: text('name').notNull(),
    country: text('country'),
    region: text('region'),
    waterBody: text('water_body'),
    lat: real('lat').notNull(),
    lon: real('lon').notNull(),
    /** The reach of the port's berths around its WPI position (by WPI harbour size); its anchorages are in port_area_cells. */
    radiusKm: real('radius_km').notNull(),
    harborSize: text('harbor_size'),
    harborType: text('harbor_type'),
    origin: text('origin', {enum: ORIGINS}).notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('ports_wpi_number_unique').on(t.wpiNumber), index('ports_unlocode_idx').on(t.unlocode)],
)

export const portCongestion = sqliteTable(
  'port_congestion',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    portId: integer('port_id')
      .notNull()
      .references(() => ports.id, {onDelete: 'cascade'}),
    observedAt: integer('observed_at').notNull(),
    windowStart: integer('window_start').notNull(),
    /** null when the port had no positions in the window (level no_data): never invented numbers. */
    vesselsWaiting: integer('vessels_waiting'),
    vesselsAtBerth: integer('vessels_at_berth'),
    vesselsInPort: integer('vessels_in_port'),
    level: text('level', {enum: ['normal', 'elevated', 'high', 'severe', 'no_data', 'insufficient_history']}).notNull(),
    /** Median of the daily medians of vessels waiting over the 28 days before the current episode; null with too little history. */
    baselineWaiting: real('baseline_waiting'),
    /** How many daily medians the baseline was made of. */
    baselineSamples: integer('baseline_samples').notNull().default(0),
    trend: text('trend', {enum: ['rising', 'falling', 'steady', 'unknown']}).notNull(),
    /** Stopped vessels of unknown AIS ship type, counted apart from the merchant ships above. */
    waitingUnknownType: integer('waiting_unknown_type'),
    atBerthUnknownType: integer('at_berth_unknown_type'),
    /** Median time merchant ships waited at anchorage over the last 7 days, and how many waits it is the median of. */
    medianWaitHours: real('median_wait_hours'),
    waitsCounted: integer('waits_counted'),
    /** When the port's current spell above normal began (kept out of its baseline); null while normal. */
    episodeStartedAt: integer('episode_started_at'),
    source: text('source', {enum: DATA_SOURCES}).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('port_congestion_port_observed_idx').on(t.portId, t.observedAt)],
)

/** Each port's median of vessels waiting per UTC day, from its snapshots with data: what baselines are made of. */
export const portCongestionDaily = sqliteTable(
  'port_congestion_daily',
  {
    portId: integer('port_id')
      .notNull()
      .references(() => ports.id, {onDelete: 'cascade'}),
    /** Start of the UTC day, epoch ms. */
    day: integer('day').notNull(),
    /** null: the port had no snapshot with data that day. */
    medianWaiting: real('median_waiting'),
    snapshots: integer('snapshots').notNull(),
    /** Snapshots that day taken during a spell above normal: a day mostly in one stays out of later baselines. */
    episodeSnapshots: integer('episode_snapshots').notNull().default(0),
  },
  (t) => [primaryKey({columns: [t.portId, t.day]})],
)

export const AREA_CELL_KINDS = ['anchorage', 'berth'] as const
export type AreaCellKind = (typeof AREA_CELL_KINDS)[number]
export const AREA_CELL_METHODS = ['name', 'proximity', 'learned'] as const
export type AreaCellMethod = (typeof AREA_CELL_METHODS)[number]

/**
 * The cells (S2 level 14, about 0.5 km across) that make a port's area beside its WPI position: Global
 * Fishing Watch's named anchorages (origin fallback) and cells learned from stops in the stored AIS (origin ingest).
 */
export const portAreaCells = sqliteTable(
  'port_area_cells',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    portId: integer('port_id')
      .notNull()
      .references(() => ports.id, {onDelete: 'cascade'}),
    /** S2 cell token. */
    cell: text('cell').notNull(),
    lat: real('lat').notNull(),
    lon: real('lon').notNull(),
    /** anchorage: stopped here is waiting; berth: stopped here is at berth. */
    kind: text('kind', {enum: AREA_CELL_KINDS}).notNull(),
    /** How the cell came to the port: GFW's label named it, it was the nearest port, or learned from stops. */
    method: text('method', {enum: AREA_CELL_METHODS}).notNull(),
    label: text('label'),
    sublabel: text('sublabel'),
    /** Learned cells: distinct vessels seen stopped here for 3 h or more. */
    vessels: integer('vessels'),
    origin: text('origin', {enum: ORIGINS}).notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('port_area_cells_cell_unique').on(t.cell), index('port_area_cells_port_idx').on(t.portId)],
)

export const STOP_KINDS = ['anchorage', 'berth', 'outside'] as const
export type StopKind = (typeof STOP_KINDS)[number]

/**
 * Vessels stopped (Global Fishing Watch's hysteresis: a stop starts under 0.2 kn and ends over 0.5 kn) in or
 * near a port: waiting at anchorage, at berth, or outside any port area (what new anchorage cells are learned
 * from). Open while ended_at is null; one open stop per vessel.
 */
export const vesselStops = sqliteTable(
  'vessel_stops',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    mmsi: integer('mmsi').notNull(),
    /** The port whose area holds the stop; null outside every port area. */
    portId: integer('port_id').references(() => ports.id, {onDelete: 'cascade'}),
    kind: text('kind', {enum: STOP_KINDS}).notNull(),
    /** S2 level-14 cell and position where the stop began. */
    cell: text('cell').notNull(),
    lat: real('lat').notNull(),
    lon: real('lon').notNull(),
    startedAt: integer('started_at').notNull(),
    /** The last position report of the stop. */
    lastAt: integer('last_at').notNull(),
    endedAt: integer('ended_at'),
    /** Reports during the stop saying at anchor (1) or moored (5): what a learned cell's kind is read from. */
    anchoredReports: integer('anchored_reports').notNull().default(0),
    mooredReports: integer('moored_reports').notNull().default(0),
  },
  (t) => [
    uniqueIndex('vessel_stops_open_unique')
      .on(t.mmsi)
      .where(sql`ended_at IS NULL`),
    index('vessel_stops_port_started_idx').on(t.portId, t.startedAt),
    index('vessel_stops_ended_idx').on(t.endedAt),
  ],
)

export const vessels = sqliteTable(
  'vessels',
  {
    mmsi: integer('mmsi').primaryKey(),
    imo: integer('imo'),
    name: text('name'),
    callsign: text('callsign'),
    shipType: integer('ship_type'),
    lengthM: integer('length_m'),
    beamM: integer('beam_m'),
    draughtM: real('draught_m'),
    destination: text('destination'),
    flag: text('flag'),
    lat: real('lat'),
    lon: real('lon'),
    sog: real('sog'),
    cog: real('cog'),
    heading: integer('heading'),
    navStatus: integer('nav_status'),
    /** AIS time stamp second of the latest position: 0-59, or 60 not available, 61 manual input, 62 dead reckoning, 63 positioning inoperative. */
    utcSecond: integer('utc_second'),
    positionAt: integer('position_at'),
    positionSource: text('position_source', {enum: DATA_SOURCES}),
    origin: text('origin', {enum: ORIGINS}).notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('vessels_position_at_idx').on(t.positionAt)],
)

export const vesselPositions = sqliteTable(
  'vessel_positions',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    mmsi: integer('mmsi').notNull(),
    observedAt: integer('observed_at').notNull(),
    lat: real('lat').notNull(),
    lon: real('lon').notNull(),
    sog: real('sog'),
    cog: real('cog'),
    heading: integer('heading'),
    navStatus: integer('nav_status'),
    /** AIS time stamp second: 0-59, or 60 not available, 61 manual input, 62 dead reckoning, 63 positioning inoperative. */
    utcSecond: integer('utc_second'),
    source: text('source', {enum: DATA_SOURCES}).notNull(),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [
    uniqueIndex('vessel_positions_mmsi_observed_unique').on(t.mmsi, t.observedAt),
    index('vessel_positions_observed_idx').on(t.observedAt),
  ],
)

/**
 * Position reports held back by the track rule: each jumped (over 50 kn) from the vessel's last accepted
 * fix. A run of them that agree with one another becomes the track; otherwise they are discarded.
 */
export const positionSuspects = sqliteTable(
  'position_suspects',
  {
    mmsi: integer('mmsi').notNull(),
    observedAt: integer('observed_at').notNull(),
    lat: real('lat').notNull(),
    lon: real('lon').notNull(),
    sog: real('sog'),
    cog: real('cog'),
    heading: integer('heading'),
    navStatus: integer('nav_status'),
    utcSecond: integer('utc_second'),
    source: text('source', {enum: DATA_SOURCES}).notNull(),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [primaryKey({columns: [t.mmsi, t.observedAt]})],
)

export const ZONE_KINDS = ['storm', 'piracy', 'congestion'] as const
export type ZoneKind = (typeof ZONE_KINDS)[number]
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
export type Severity = (typeof SEVERITIES)[number]

export const safetyZones = sqliteTable(
  'safety_zones',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    kind: text('kind', {enum: ZONE_KINDS}).notNull(),
    externalId: text('external_id').notNull(),
    name: text('name').notNull(),
    severity: text('severity', {enum: SEVERITIES}).notNull(),
    /** GeoJSON Polygon or MultiPolygon, longitudes in [-180, 180]. */
    geometry: text('geometry', {mode: 'json'}).notNull(),
    minLon: real('min_lon').notNull(),
    minLat: real('min_lat').notNull(),
    maxLon: real('max_lon').notNull(),
    maxLat: real('max_lat').notNull(),
    validFrom: integer('valid_from'),
    /** null: valid until replaced (piracy risk areas, congestion while it lasts). */
    validTo: integer('valid_to'),
    active: integer('active', {mode: 'boolean'}).notNull().default(true),
    portId: integer('port_id').references(() => ports.id, {onDelete: 'set null'}),
    source: text('source', {enum: DATA_SOURCES}).notNull(),
    observedAt: integer('observed_at').notNull(),
    origin: text('origin', {enum: ORIGINS}).notNull(),
    metadata: text('metadata', {mode: 'json'}).$type<Record<string, unknown>>(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('safety_zones_external_id_unique').on(t.externalId), index('safety_zones_kind_idx').on(t.kind)],
)

export const EVENT_TYPES = ['storm', 'piracy', 'congestion', 'distress'] as const
export type EventType = (typeof EVENT_TYPES)[number]

export const safetyEvents = sqliteTable(
  'safety_events',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    type: text('type', {enum: EVENT_TYPES}).notNull(),
    severity: text('severity', {enum: SEVERITIES}).notNull(),
    zoneId: integer('zone_id').references(() => safetyZones.id, {onDelete: 'set null'}),
    portId: integer('port_id').references(() => ports.id, {onDelete: 'set null'}),
    mmsi: integer('mmsi'),
    /** (type, zone or port, vessel): one open event per key while the condition lasts. */
    dedupeKey: text('dedupe_key').notNull(),
    title: text('title').notNull(),
    lat: real('lat'),
    lon: real('lon'),
    source: text('source', {enum: DATA_SOURCES}).notNull(),
    observedAt: integer('observed_at').notNull(),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    resolvedAt: integer('resolved_at'),
    metadata: text('metadata', {mode: 'json'}).$type<Record<string, unknown>>(),
  },
  (t) => [
    uniqueIndex('safety_events_open_unique')
      .on(t.dedupeKey)
      .where(sql`resolved_at IS NULL`),
    index('safety_events_created_idx').on(t.createdAt),
  ],
)

export const ROLES = ['ADMIN', 'OPERATOR', 'VIEWER'] as const
export type Role = (typeof ROLES)[number]

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({autoIncrement: true}),
  name: text('name').notNull().unique(),
  role: text('role', {enum: ROLES}).notNull(),
  /** sha256 of the API token; the token itself is shown once and never stored. */
  tokenHash: text('token_hash').notNull().unique(),
  webhookUrl: text('webhook_url'),
  createdAt: integer('created_at').notNull(),
})

export const watchlists = sqliteTable(
  'watchlists',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, {onDelete: 'cascade'}),
    kind: text('kind', {enum: ['vessel', 'port', 'area']}).notNull(),
    mmsi: integer('mmsi'),
    portId: integer('port_id').references(() => ports.id, {onDelete: 'cascade'}),
    minLon: real('min_lon'),
    minLat: real('min_lat'),
    maxLon: real('max_lon'),
    maxLat: real('max_lat'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('watchlists_user_idx').on(t.userId)],
)

export const notifications = sqliteTable(
  'notifications',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, {onDelete: 'cascade'}),
    /** The safety event notified about, or (alert worker) the alert event in alertEventId. */
    eventId: integer('event_id').references(() => safetyEvents.id, {onDelete: 'cascade'}),
    alertEventId: integer('alert_event_id').references((): AnySQLiteColumn => alertEvents.id, {onDelete: 'cascade'}),
    channel: text('channel', {enum: ['database', 'webhook']}).notNull(),
    status: text('status', {enum: ['stored', 'pending', 'sent', 'failed']}).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [
    uniqueIndex('notifications_user_event_channel_unique').on(t.userId, t.eventId, t.channel),
    uniqueIndex('notifications_user_alert_event_channel_unique').on(t.userId, t.alertEventId, t.channel),
    index('notifications_created_idx').on(t.createdAt),
  ],
)

/**
 * `cancelled`: stopped by an operator's signal or a pause; `crashed`: left `running` by an owner that is gone
 * (killed, out of memory), found out by a later run, `jobs list` or `health`.
 */
export const JOB_STATUSES = ['running', 'success', 'failed', 'skipped', 'timeout', 'cancelled', 'crashed'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

export const jobRuns = sqliteTable(
  'job_runs',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    job: text('job').notNull(),
    status: text('status', {enum: JOB_STATUSES}).notNull(),
    startedAt: integer('started_at').notNull(),
    completedAt: integer('completed_at'),
    durationMs: integer('duration_ms'),
    summary: text('summary', {mode: 'json'}).$type<Record<string, unknown>>(),
    error: text('error'),
    /** The process's peak resident memory by the end of the run. */
    peakRssBytes: integer('peak_rss_bytes'),
    /** Resident memory when the run started: peak minus this is what the run itself took. */
    startRssBytes: integer('start_rss_bytes'),
    host: text('host').notNull(),
    pid: integer('pid').notNull(),
    trigger: text('trigger').notNull().default('cli'),
  },
  (t) => [index('job_runs_job_started_idx').on(t.job, t.startedAt)],
)

export const jobLocks = sqliteTable('job_locks', {
  job: text('job').primaryKey(),
  owner: text('owner').notNull(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  acquiredAt: integer('acquired_at').notNull(),
  heartbeatAt: integer('heartbeat_at').notNull(),
  leaseExpiresAt: integer('lease_expires_at').notNull(),
  runId: integer('run_id'),
})

export const apiCache = sqliteTable(
  'api_cache',
  {
    key: text('key').primaryKey(),
    source: text('source').notNull(),
    payload: text('payload').notNull(),
    fetchedAt: integer('fetched_at').notNull(),
    ttlSeconds: integer('ttl_seconds').notNull(),
  },
  (t) => [index('api_cache_source_idx').on(t.source)],
)

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', {mode: 'json'}).notNull(),
  updatedAt: integer('updated_at').notNull(),
})

/**
 * Rows per table for the tables health counts, kept exact by triggers (migration `api-counts-triggers`):
 * a count is read, never counted, however large the table grows.
 */
export const tableRows = sqliteTable('table_rows', {
  tableName: text('table_name').primaryKey(),
  rowCount: integer('row_count').notNull(),
})

export type Port = typeof ports.$inferSelect
export type NewPort = typeof ports.$inferInsert
export type Vessel = typeof vessels.$inferSelect
export type SafetyZone = typeof safetyZones.$inferSelect
export type NewSafetyZone = typeof safetyZones.$inferInsert
export type SafetyEvent = typeof safetyEvents.$inferSelect
export type JobRun = typeof jobRuns.$inferSelect
export type JobLock = typeof jobLocks.$inferSelect
export type PortCongestion = typeof portCongestion.$inferSelect

/** Calls made to each outside provider per quota window. */
export const providerUsage = sqliteTable(
  'provider_usage',
  {
    provider: text('provider').notNull(),
    windowStart: integer('window_start').notNull(),
    requests: integer('requests').notNull().default(0),
  },
  (t) => [uniqueIndex('provider_usage_provider_window_unique').on(t.provider, t.windowStart)],
)

/** What `providers status` and health read: each provider's last success and failure, and since when it has served only fallbacks. */
export const providerState = sqliteTable('provider_state', {
  provider: text('provider').primaryKey(),
  lastSuccessAt: integer('last_success_at'),
  lastErrorAt: integer('last_error_at'),
  lastError: text('last_error'),
  /** Set at the first failure after a success; cleared by the next success. */
  fallbackSince: integer('fallback_since'),
  lastSource: text('last_source', {enum: DATA_SOURCES}),
  updatedAt: integer('updated_at').notNull(),
})

/** Sea state at ports (Open-Meteo marine): wave height and the storm risk it implies. */
export const portWeather = sqliteTable(
  'port_weather',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    portId: integer('port_id')
      .notNull()
      .references(() => ports.id, {onDelete: 'cascade'}),
    observedAt: integer('observed_at').notNull(),
    waveHeightM: real('wave_height_m'),
    wavePeriodS: real('wave_period_s'),
    stormRisk: text('storm_risk', {enum: ['low', 'moderate', 'high', 'severe', 'unknown']}).notNull(),
    source: text('source', {enum: DATA_SOURCES}).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('port_weather_port_observed_idx').on(t.portId, t.observedAt)],
)

export const ALERT_OPERATORS = ['>', '<', '==', '>=', '<=', '!='] as const
export type AlertOperator = (typeof ALERT_OPERATORS)[number]

/** Threshold rules the alert worker evaluates: a metric of a target (or of all targets of its kind). */
export const alertRules = sqliteTable(
  'alert_rules',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    name: text('name'),
    metric: text('metric').notNull(),
    /** port, vessel, zone, job or provider. */
    targetKind: text('target_kind').notNull(),
    /** The target's key (port id, MMSI, zone id, job or provider name); null: every target of the kind. */
    targetId: text('target_id'),
    operator: text('operator', {enum: ALERT_OPERATORS}).notNull(),
    threshold: real('threshold').notNull(),
    severity: text('severity', {enum: SEVERITIES}).notNull(),
    enabled: integer('enabled', {mode: 'boolean'}).notNull().default(true),
    /** Readings older than this are skipped; null: the metric's default. */
    freshnessSeconds: integer('freshness_seconds'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('alert_rules_metric_idx').on(t.metric)],
)

/** Threshold crossings: open while the value stays past the threshold, resolved with the value that ended it. */
export const alertEvents = sqliteTable(
  'alert_events',
  {
    id: integer('id').primaryKey({autoIncrement: true}),
    alertId: integer('alert_id')
      .notNull()
      .references(() => alertRules.id, {onDelete: 'cascade'}),
    target: text('target').notNull(),
    triggeredAt: integer('triggered_at').notNull(),
    currentValue: real('current_value').notNull(),
    thresholdValue: real('threshold_value').notNull(),
    operator: text('operator', {enum: ALERT_OPERATORS}).notNull(),
    metric: text('metric').notNull(),
    isResolved: integer('is_resolved', {mode: 'boolean'}).notNull().default(false),
    resolvedAt: integer('resolved_at'),
    resolutionValue: real('resolution_value'),
    metadata: text('metadata', {mode: 'json'}).$type<Record<string, unknown>>(),
  },
  (t) => [
    uniqueIndex('alert_events_open_unique')
      .on(t.alertId, t.target)
      .where(sql`is_resolved = 0`),
    index('alert_events_triggered_idx').on(t.triggeredAt),
  ],
)

export type AlertRule = typeof alertRules.$inferSelect
export type AlertEvent = typeof alertEvents.$inferSelect

/** Work started over HTTP in the background (job runs, refreshes): its status and, when done, its result. */
export const apiTasks = sqliteTable('api_tasks', {
  id: integer('id').primaryKey({autoIncrement: true}),
  kind: text('kind', {enum: ['jobs', 'refresh']}).notNull(),
  target: text('target').notNull(),
  status: text('status', {enum: ['running', 'success', 'failed', 'skipped']}).notNull(),
  requestedBy: text('requested_by').notNull(),
  createdAt: integer('created_at').notNull(),
  completedAt: integer('completed_at'),
  result: text('result', {mode: 'json'}).$type<Record<string, unknown>>(),
  error: text('error'),
})

/** pending: waiting for zone outlines; unplaceable: names no zone harbormaster can ask for; the rest are settled. */
export const STORM_ALERT_STATES = ['pending', 'unplaceable', 'completed', 'expired', 'withdrawn'] as const
export type StormAlertState = (typeof STORM_ALERT_STATES)[number]

/**
 * Marine alerts whose zone outlines could not all be had: kept with the alert itself, so a later run
 * retries them even when NWS is down, until they are completed, expire or NWS stops listing them.
 */
export const pendingStormAlerts = sqliteTable(
  'pending_storm_alerts',
  {
    /** The NWS alert id. */
    alertId: text('alert_id').primaryKey(),
    event: text('event').notNull(),
    /** A warning-level event: reported as a warning and in health while it waits. */
    warning: integer('warning', {mode: 'boolean'}).notNull(),
    area: text('area'),
    state: text('state', {enum: STORM_ALERT_STATES}).notNull(),
    /** The alert as parsed (MarineAlert), to build its zone later without asking NWS again. */
    alert: text('alert', {mode: 'json'}).$type<Record<string, unknown>>().notNull(),
    /** Paths of the zones it names, and of those still without an outline. */
    zones: text('zones', {mode: 'json'}).$type<string[]>().notNull(),
    missingZones: text('missing_zones', {mode: 'json'}).$type<string[]>().notNull(),
    reason: text('reason'),
    /** The source of the alert when it was read (live or cached). */
    source: text('source', {enum: DATA_SOURCES}).notNull(),
    validFrom: integer('valid_from'),
    validTo: integer('valid_to'),
    firstSeenAt: integer('first_seen_at').notNull(),
    /** When the NWS answer that last listed the alert was fetched. */
    listedAt: integer('listed_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastAttemptAt: integer('last_attempt_at'),
    settledAt: integer('settled_at'),
  },
  (t) => [index('pending_storm_alerts_state_idx').on(t.state)],
)

export type PendingStormAlert = typeof pendingStormAlerts.$inferSelect
