// Every table of harbormaster, defined once and built for either database by its column kit (SQLite's or
// PostgreSQL's): the two schemas cannot drift apart. Times are UTC epoch milliseconds; every dataset row
// carries the source it came from (live, cached, fallback, emergency) and when it was observed.
import {sql} from 'drizzle-orm'
import type {AnySQLiteColumn} from 'drizzle-orm/sqlite-core'

import type {StoredRunSummary} from '../../schemas/job-summaries.js'
import type {TableKit} from './kit-sqlite.js'
import type {ProfileIdentityValue, ProfilePort, ProfilePortCall} from './vessel-profiles.js'
import {
  ALERT_OPERATORS,
  AREA_CELL_KINDS,
  BEHAVIOUR_EVENT_TYPES,
  AREA_CELL_METHODS,
  CONGESTION_LEVELS,
  DATA_SOURCES,
  EVENT_TYPES,
  FINDING_CHECKS,
  IDENTITY_FIELDS,
  JOB_STATUSES,
  ORIGINS,
  PROBE_STATUSES,
  QUOTA_MONITOR_STATES,
  QUOTA_WINDOWS,
  QUEUE_JOB_ROW_STATES,
  ROLES,
  SEVERITIES,
  STOP_KINDS,
  STORM_ALERT_STATES,
  TRENDS,
  ZONE_KINDS,
} from './model.js'

export function defineTables(d: TableKit) {
  const ports = d.table(
    'ports',
    {
      id: d.id('id'),
      wpiNumber: d.text('wpi_number'),
      unlocode: d.text('unlocode'),
      name: d.text('name').notNull(),
      country: d.text('country'),
      region: d.text('region'),
      waterBody: d.text('water_body'),
      lat: d.real('lat').notNull(),
      lon: d.real('lon').notNull(),
      /** The reach of the port's berths around its WPI position (by WPI harbour size); its anchorages are in port_area_cells. */
      radiusKm: d.real('radius_km').notNull(),
      harborSize: d.text('harbor_size'),
      harborType: d.text('harbor_type'),
      origin: d.text('origin', {enum: ORIGINS}).notNull(),
      createdAt: d.int('created_at').notNull(),
      updatedAt: d.int('updated_at').notNull(),
    },
    (t) => [d.uniqueIndex('ports_wpi_number_unique').on(t.wpiNumber), d.index('ports_unlocode_idx').on(t.unlocode)],
  )

  const portCongestion = d.table(
    'port_congestion',
    {
      id: d.id('id'),
      portId: d.int('port_id')
        .notNull()
        .references(() => ports.id, {onDelete: 'cascade'}),
      observedAt: d.int('observed_at').notNull(),
      windowStart: d.int('window_start').notNull(),
      /** null when the port had no positions in the window (level no_data): never invented numbers. */
      vesselsWaiting: d.int('vessels_waiting'),
      vesselsAtBerth: d.int('vessels_at_berth'),
      vesselsInPort: d.int('vessels_in_port'),
      level: d.text('level', {enum: CONGESTION_LEVELS}).notNull(),
      /** Median of the daily medians of vessels waiting over the 28 days before the current episode; null with too little history. */
      baselineWaiting: d.real('baseline_waiting'),
      /** How many daily medians the baseline was made of. */
      baselineSamples: d.int('baseline_samples').notNull().default(0),
      trend: d.text('trend', {enum: TRENDS}).notNull(),
      /** Stopped vessels of unknown AIS ship type, counted apart from the merchant ships above. */
      waitingUnknownType: d.int('waiting_unknown_type'),
      atBerthUnknownType: d.int('at_berth_unknown_type'),
      /** Median time merchant ships waited at anchorage over the last 7 days, and how many waits it is the median of. */
      medianWaitHours: d.real('median_wait_hours'),
      waitsCounted: d.int('waits_counted'),
      /** When the port's current spell above normal began (kept out of its baseline); null while normal. */
      episodeStartedAt: d.int('episode_started_at'),
      source: d.text('source', {enum: DATA_SOURCES}).notNull(),
      createdAt: d.int('created_at').notNull(),
    },
    (t) => [d.index('port_congestion_port_observed_idx').on(t.portId, t.observedAt)],
  )

  /** Each port's median of vessels waiting per UTC day, from its snapshots with data: what baselines are made of. */
  const portCongestionDaily = d.table(
    'port_congestion_daily',
    {
      portId: d.int('port_id')
        .notNull()
        .references(() => ports.id, {onDelete: 'cascade'}),
      /** Start of the UTC day, epoch ms. */
      day: d.int('day').notNull(),
      /** null: the port had no snapshot with data that day. */
      medianWaiting: d.real('median_waiting'),
      snapshots: d.int('snapshots').notNull(),
      /** Snapshots that day taken during a spell above normal: a day mostly in one stays out of later baselines. */
      episodeSnapshots: d.int('episode_snapshots').notNull().default(0),
    },
    (t) => [d.primaryKey({columns: [t.portId, t.day]})],
  )


  /**
   * The cells (S2 level 14, about 0.5 km across) that make a port's area beside its WPI position: Global
   * Fishing Watch's named anchorages (origin fallback) and cells learned from stops in the stored AIS (origin ingest).
   */
  const portAreaCells = d.table(
    'port_area_cells',
    {
      id: d.id('id'),
      portId: d.int('port_id')
        .notNull()
        .references(() => ports.id, {onDelete: 'cascade'}),
      /** S2 cell token. */
      cell: d.text('cell').notNull(),
      lat: d.real('lat').notNull(),
      lon: d.real('lon').notNull(),
      /** anchorage: stopped here is waiting; berth: stopped here is at berth. */
      kind: d.text('kind', {enum: AREA_CELL_KINDS}).notNull(),
      /** How the cell came to the port: GFW's label named it, it was the nearest port, or learned from stops. */
      method: d.text('method', {enum: AREA_CELL_METHODS}).notNull(),
      label: d.text('label'),
      sublabel: d.text('sublabel'),
      /** Learned cells: distinct vessels seen stopped here for 3 h or more. */
      vessels: d.int('vessels'),
      origin: d.text('origin', {enum: ORIGINS}).notNull(),
      createdAt: d.int('created_at').notNull(),
      updatedAt: d.int('updated_at').notNull(),
    },
    (t) => [d.uniqueIndex('port_area_cells_cell_unique').on(t.cell), d.index('port_area_cells_port_idx').on(t.portId)],
  )


  /**
   * Vessels stopped (Global Fishing Watch's hysteresis: a stop starts under 0.2 kn and ends over 0.5 kn) in or
   * near a port: waiting at anchorage, at berth, or outside any port area (what new anchorage cells are learned
   * from). Open while ended_at is null; one open stop per vessel.
   */
  const vesselStops = d.table(
    'vessel_stops',
    {
      id: d.id('id'),
      mmsi: d.int('mmsi').notNull(),
      /** The port whose area holds the stop; null outside every port area. */
      portId: d.int('port_id').references(() => ports.id, {onDelete: 'cascade'}),
      kind: d.text('kind', {enum: STOP_KINDS}).notNull(),
      /** S2 level-14 cell and position where the stop began. */
      cell: d.text('cell').notNull(),
      lat: d.real('lat').notNull(),
      lon: d.real('lon').notNull(),
      startedAt: d.int('started_at').notNull(),
      /** The last position report of the stop. */
      lastAt: d.int('last_at').notNull(),
      endedAt: d.int('ended_at'),
      /** Reports during the stop saying at anchor (1) or moored (5): what a learned cell's kind is read from. */
      anchoredReports: d.int('anchored_reports').notNull().default(0),
      mooredReports: d.int('moored_reports').notNull().default(0),
    },
    (t) => [
      d.uniqueIndex('vessel_stops_open_unique')
        .on(t.mmsi)
        .where(sql`ended_at IS NULL`),
      d.index('vessel_stops_port_started_idx').on(t.portId, t.startedAt),
      d.index('vessel_stops_ended_idx').on(t.endedAt),
    ],
  )

  /**
   * Port visits by Global Fishing Watch's method: a visit begins within 3 km of one of a port's cells and ends
   * beyond 4 km; a call is a visit of 3 h or more (shorter ones are port stops). One open visit per vessel
   * (departed_at null), which the behaviour pass carries on from where the last pass left it.
   */
  const portCalls = d.table(
    'port_calls',
    {
      id: d.id('id'),
      mmsi: d.int('mmsi').notNull(),
      /** The port of the cell where the vessel first stopped in the visit (before any stop, where it came in). */
      portId: d.int('port_id')
        .notNull()
        .references(() => ports.id, {onDelete: 'cascade'}),
      /** The first report within 3 km of a cell. */
      arrivedAt: d.int('arrived_at').notNull(),
      /** The first report beyond 4 km of every cell; null while the visit goes on. */
      departedAt: d.int('departed_at'),
      /** The visit's last report in port. */
      lastAt: d.int('last_at').notNull(),
      /** When the vessel first stopped at a berth (moored, or stopped at a berth place); null if it has not. */
      berthedAt: d.int('berthed_at'),
      /** Time stopped at anchorage before berthing (the wait), and time stopped at berth, in ms. */
      anchorageMs: d.int('anchorage_ms').notNull().default(0),
      berthMs: d.int('berth_ms').notNull().default(0),
      stops: d.int('stops').notNull().default(0),
      /** Silences over 4 h inside the port: the visit goes on through them. */
      gaps: d.int('gaps').notNull().default(0),
      /** true: a call (3 h or more); false: a port stop (ended sooner); null: open and under 3 h so far. */
      isCall: d.bool('is_call'),
      entryLat: d.real('entry_lat').notNull(),
      entryLon: d.real('entry_lon').notNull(),
      /** Where the stopped vessel lay at its last report (anchorage or berth); null while under way. */
      stopPlace: d.text('stop_place', {enum: AREA_CELL_KINDS}),
      /** The least trustworthy source of the visit's reports. */
      source: d.text('source', {enum: DATA_SOURCES}).notNull(),
      createdAt: d.int('created_at').notNull(),
      updatedAt: d.int('updated_at').notNull(),
    },
    (t) => [
      d.uniqueIndex('port_calls_vessel_arrived_unique').on(t.mmsi, t.arrivedAt),
      d.uniqueIndex('port_calls_open_unique')
        .on(t.mmsi)
        .where(sql`departed_at IS NULL`),
      d.index('port_calls_port_arrived_idx').on(t.portId, t.arrivedAt),
      d.index('port_calls_departed_idx').on(t.departedAt),
    ],
  )

  const vessels = d.table(
    'vessels',
    {
      mmsi: d.int('mmsi').primaryKey(),
      imo: d.int('imo'),
      name: d.text('name'),
      callsign: d.text('callsign'),
      shipType: d.int('ship_type'),
      lengthM: d.int('length_m'),
      beamM: d.int('beam_m'),
      draughtM: d.real('draught_m'),
      destination: d.text('destination'),
      flag: d.text('flag'),
      lat: d.real('lat'),
      lon: d.real('lon'),
      sog: d.real('sog'),
      cog: d.real('cog'),
      heading: d.int('heading'),
      navStatus: d.int('nav_status'),
      /** AIS time stamp second of the latest position: 0-59, or 60 not available, 61 manual input, 62 dead reckoning, 63 positioning inoperative. */
      utcSecond: d.int('utc_second'),
      positionAt: d.int('position_at'),
      positionSource: d.text('position_source', {enum: DATA_SOURCES}),
      origin: d.text('origin', {enum: ORIGINS}).notNull(),
      createdAt: d.int('created_at').notNull(),
      updatedAt: d.int('updated_at').notNull(),
    },
    (t) => [
      // Who reported since a time (counts read the index alone); with the speed in the entry, rules over every
      // vessel's speed look up only the rows whose speed can cross, not every fresh one.
      d.index('vessels_position_at_idx').on(t.positionAt, t.sog),
      // `vessels list --bbox` and `--in-port`: a range of longitudes, latitudes checked in the index entries.
      d.index('vessels_lon_lat_idx').on(t.lon, t.lat),
    ],
  )

  const vesselPositions = d.table(
    'vessel_positions',
    {
      id: d.id('id'),
      mmsi: d.int('mmsi').notNull(),
      observedAt: d.int('observed_at').notNull(),
      lat: d.real('lat').notNull(),
      lon: d.real('lon').notNull(),
      sog: d.real('sog'),
      cog: d.real('cog'),
      heading: d.int('heading'),
      navStatus: d.int('nav_status'),
      /** AIS time stamp second: 0-59, or 60 not available, 61 manual input, 62 dead reckoning, 63 positioning inoperative. */
      utcSecond: d.int('utc_second'),
      source: d.text('source', {enum: DATA_SOURCES}).notNull(),
      receivedAt: d.int('received_at').notNull(),
    },
    (t) => [
      d.uniqueIndex('vessel_positions_mmsi_observed_unique').on(t.mmsi, t.observedAt),
      d.index('vessel_positions_observed_idx').on(t.observedAt),
    ],
  )

  /**
   * Position reports held back by the track rule: each jumped (over 50 kn) from the vessel's last accepted
   * fix. A run of them that agree with one another becomes the track; otherwise they are discarded.
   */
  const positionSuspects = d.table(
    'position_suspects',
    {
      mmsi: d.int('mmsi').notNull(),
      observedAt: d.int('observed_at').notNull(),
      lat: d.real('lat').notNull(),
      lon: d.real('lon').notNull(),
      sog: d.real('sog'),
      cog: d.real('cog'),
      heading: d.int('heading'),
      navStatus: d.int('nav_status'),
      utcSecond: d.int('utc_second'),
      source: d.text('source', {enum: DATA_SOURCES}).notNull(),
      receivedAt: d.int('received_at').notNull(),
    },
    (t) => [d.primaryKey({columns: [t.mmsi, t.observedAt]})],
  )

  /**
   * Held reports the track rule gave up on (the track went on without them): kept apart, never part of the
   * track, as the evidence the behaviour pass reads for one MMSI heard in two places. Pruned with positions.
   */
  const discardedPositions = d.table(
    'discarded_positions',
    {
      mmsi: d.int('mmsi').notNull(),
      observedAt: d.int('observed_at').notNull(),
      lat: d.real('lat').notNull(),
      lon: d.real('lon').notNull(),
      sog: d.real('sog'),
      cog: d.real('cog'),
      heading: d.int('heading'),
      navStatus: d.int('nav_status'),
      utcSecond: d.int('utc_second'),
      source: d.text('source', {enum: DATA_SOURCES}).notNull(),
      receivedAt: d.int('received_at').notNull(),
    },
    (t) => [d.primaryKey({columns: [t.mmsi, t.observedAt]}), d.index('discarded_positions_observed_idx').on(t.observedAt)],
  )

  /**
   * Sea behaviour episodes (loitering, encounters, identity) still going on when the behaviour pass last
   * looked: when and how they began, so a later pass whose window no longer reaches back to the start
   * gives the episode the same dedupe key and whole figures. `other_mmsi` is 0 but for encounters.
   */
  const behaviourEpisodes = d.table(
    'behaviour_episodes',
    {
      kind: d.text('kind', {enum: BEHAVIOUR_EVENT_TYPES}).notNull(),
      mmsi: d.int('mmsi').notNull(),
      otherMmsi: d.int('other_mmsi').notNull(),
      startedAt: d.int('started_at').notNull(),
      /** The newest report time the episode is known to reach. */
      lastAt: d.int('last_at').notNull(),
      /** The detector's running figures and the event as last drafted. */
      state: d.json('state').$type<Record<string, unknown>>().notNull(),
    },
    (t) => [d.primaryKey({columns: [t.kind, t.mmsi, t.otherMmsi]})],
  )


  const safetyZones = d.table(
    'safety_zones',
    {
      id: d.id('id'),
      kind: d.text('kind', {enum: ZONE_KINDS}).notNull(),
      externalId: d.text('external_id').notNull(),
      name: d.text('name').notNull(),
      severity: d.text('severity', {enum: SEVERITIES}).notNull(),
      /** GeoJSON Polygon or MultiPolygon, longitudes in [-180, 180]. */
      geometry: d.json('geometry').notNull(),
      minLon: d.real('min_lon').notNull(),
      minLat: d.real('min_lat').notNull(),
      maxLon: d.real('max_lon').notNull(),
      maxLat: d.real('max_lat').notNull(),
      validFrom: d.int('valid_from'),
      /** null: valid until replaced (piracy risk areas, congestion while it lasts). */
      validTo: d.int('valid_to'),
      active: d.bool('active').notNull().default(true),
      portId: d.int('port_id').references(() => ports.id, {onDelete: 'set null'}),
      source: d.text('source', {enum: DATA_SOURCES}).notNull(),
      observedAt: d.int('observed_at').notNull(),
      origin: d.text('origin', {enum: ORIGINS}).notNull(),
      metadata: d.json('metadata').$type<Record<string, unknown>>(),
      createdAt: d.int('created_at').notNull(),
      updatedAt: d.int('updated_at').notNull(),
    },
    (t) => [d.uniqueIndex('safety_zones_external_id_unique').on(t.externalId), d.index('safety_zones_kind_idx').on(t.kind)],
  )


  const safetyEvents = d.table(
    'safety_events',
    {
      id: d.id('id'),
      type: d.text('type', {enum: EVENT_TYPES}).notNull(),
      severity: d.text('severity', {enum: SEVERITIES}).notNull(),
      zoneId: d.int('zone_id').references(() => safetyZones.id, {onDelete: 'set null'}),
      portId: d.int('port_id').references(() => ports.id, {onDelete: 'set null'}),
      mmsi: d.int('mmsi'),
      /** (type, zone or port, vessel): one open event per key while the condition lasts. */
      dedupeKey: d.text('dedupe_key').notNull(),
      title: d.text('title').notNull(),
      lat: d.real('lat'),
      lon: d.real('lon'),
      source: d.text('source', {enum: DATA_SOURCES}).notNull(),
      observedAt: d.int('observed_at').notNull(),
      createdAt: d.int('created_at').notNull(),
      lastSeenAt: d.int('last_seen_at').notNull(),
      resolvedAt: d.int('resolved_at'),
      metadata: d.json('metadata').$type<Record<string, unknown>>(),
    },
    (t) => [
      d.uniqueIndex('safety_events_open_unique')
        .on(t.dedupeKey)
        .where(sql`resolved_at IS NULL`),
      // A behaviour episode is stored once, open or ended: a rerun or a pass after a crash finds its key.
      d.uniqueIndex('safety_events_behaviour_unique')
        .on(t.dedupeKey)
        .where(sql.raw(`type IN (${BEHAVIOUR_EVENT_TYPES.map((type) => `'${type}'`).join(', ')})`)),
      d.index('safety_events_created_idx').on(t.createdAt),
      // A vessel's events over a window (its profile), read without scanning every vessel's.
      d.index('safety_events_mmsi_observed_idx').on(t.mmsi, t.observedAt),
    ],
  )


  const users = d.table('users', {
    id: d.id('id'),
    name: d.text('name').notNull().unique(),
    role: d.text('role', {enum: ROLES}).notNull(),
    /** sha256 of the API token; the token itself is shown once and never stored. */
    tokenHash: d.text('token_hash').notNull().unique(),
    webhookUrl: d.text('webhook_url'),
    createdAt: d.int('created_at').notNull(),
  })

  const watchlists = d.table(
    'watchlists',
    {
      id: d.id('id'),
      userId: d.int('user_id')
        .notNull()
        .references(() => users.id, {onDelete: 'cascade'}),
      kind: d.text('kind', {enum: ['vessel', 'port', 'area']}).notNull(),
      mmsi: d.int('mmsi'),
      portId: d.int('port_id').references(() => ports.id, {onDelete: 'cascade'}),
      minLon: d.real('min_lon'),
      minLat: d.real('min_lat'),
      maxLon: d.real('max_lon'),
      maxLat: d.real('max_lat'),
      createdAt: d.int('created_at').notNull(),
    },
    (t) => [d.index('watchlists_user_idx').on(t.userId)],
  )

  const notifications = d.table(
    'notifications',
    {
      id: d.id('id'),
      userId: d.int('user_id')
        .notNull()
        .references(() => users.id, {onDelete: 'cascade'}),
      /** The safety event notified about, or (alert worker) the alert event in alertEventId. */
      eventId: d.int('event_id').references(() => safetyEvents.id, {onDelete: 'cascade'}),
      alertEventId: d.int('alert_event_id').references((): AnySQLiteColumn => alertEvents.id, {onDelete: 'cascade'}),
      /** A failed, timed-out or crashed job run its ADMINs are told of. */
      jobRunId: d.int('job_run_id').references((): AnySQLiteColumn => jobRuns.id, {onDelete: 'cascade'}),
      channel: d.text('channel', {enum: ['database', 'webhook']}).notNull(),
      /** Webhook copies: pending (not yet tried, or tried once by the job that made it), queued (notify:deliver has it), sent or failed. */
      status: d.text('status', {enum: ['stored', 'pending', 'queued', 'sent', 'failed']}).notNull(),
      attempts: d.int('attempts').notNull().default(0),
      lastError: d.text('last_error'),
      createdAt: d.int('created_at').notNull(),
      deliveredAt: d.int('delivered_at'),
    },
    (t) => [
      d.uniqueIndex('notifications_user_event_channel_unique').on(t.userId, t.eventId, t.channel),
      d.uniqueIndex('notifications_user_alert_event_channel_unique').on(t.userId, t.alertEventId, t.channel),
      d.uniqueIndex('notifications_user_job_run_channel_unique').on(t.userId, t.jobRunId, t.channel),
      d.index('notifications_created_idx').on(t.createdAt),
    ],
  )

  /**
   * One row per run; status `cancelled`: stopped by an operator's signal or a pause; `crashed`: left `running`
   * by an owner that is gone (killed, out of memory), found out by a later run, `jobs list` or `health`.
   */
  const jobRuns = d.table(
    'job_runs',
    {
      id: d.id('id'),
      job: d.text('job').notNull(),
      status: d.text('status', {enum: JOB_STATUSES}).notNull(),
      startedAt: d.int('started_at').notNull(),
      completedAt: d.int('completed_at'),
      durationMs: d.int('duration_ms'),
      /** The job's own summary (schemas/job-summaries.ts) with the attempts it took. */
      summary: d.json('summary').$type<StoredRunSummary>(),
      error: d.text('error'),
      /** Where a failure was thrown (the error's stack), for the web page's run view. */
      errorStack: d.text('error_stack'),
      /** The process's peak resident memory by the end of the run. */
      peakRssBytes: d.int('peak_rss_bytes'),
      /** Resident memory when the run started: peak minus this is what the run itself took. */
      startRssBytes: d.int('start_rss_bytes'),
      host: d.text('host').notNull(),
      pid: d.int('pid').notNull(),
      trigger: d.text('trigger').notNull().default('cli'),
      /** The trigger's first word (`scheduler` for `scheduler <slot>`): what the history filters on, through its indexes. */
      triggerKind: d.text('trigger_kind'),
    },
    // The history pages newest first through the filters set (job, status, the trigger's kind), each ending in (started_at, id) so that a page is a range of one index; runs in
    // progress are found through the status one.
    (t) => [
      d.index('job_runs_job_started_idx').on(t.job, t.startedAt),
      d.index('job_runs_started_idx').on(t.startedAt, t.id),
      d.index('job_runs_status_started_idx').on(t.status, t.startedAt, t.id),
      d.index('job_runs_trigger_kind_started_idx').on(t.triggerKind, t.startedAt, t.id),
      d.index('job_runs_job_status_started_idx').on(t.job, t.status, t.startedAt, t.id),
      d.index('job_runs_job_trigger_kind_started_idx').on(t.job, t.triggerKind, t.startedAt, t.id),
    ],
  )

  const jobLocks = d.table('job_locks', {
    job: d.text('job').primaryKey(),
    owner: d.text('owner').notNull(),
    host: d.text('host').notNull(),
    pid: d.int('pid').notNull(),
    acquiredAt: d.int('acquired_at').notNull(),
    heartbeatAt: d.int('heartbeat_at').notNull(),
    leaseExpiresAt: d.int('lease_expires_at').notNull(),
    runId: d.int('run_id'),
  })

  const apiCache = d.table(
    'api_cache',
    {
      key: d.text('key').primaryKey(),
      source: d.text('source').notNull(),
      payload: d.text('payload').notNull(),
      fetchedAt: d.int('fetched_at').notNull(),
      ttlSeconds: d.int('ttl_seconds').notNull(),
    },
    (t) => [d.index('api_cache_source_idx').on(t.source)],
  )

  const settings = d.table('settings', {
    key: d.text('key').primaryKey(),
    value: d.json('value').notNull(),
    updatedAt: d.int('updated_at').notNull(),
  })


  /** Calls made to each outside provider per quota window. */
  const providerUsage = d.table(
    'provider_usage',
    {
      provider: d.text('provider').notNull(),
      windowStart: d.int('window_start').notNull(),
      requests: d.int('requests').notNull().default(0),
    },
    (t) => [d.uniqueIndex('provider_usage_provider_window_unique').on(t.provider, t.windowStart)],
  )

  /** What `providers status` and health read: each provider's last success and failure, and since when it has served only fallbacks. */
  const providerState = d.table('provider_state', {
    provider: d.text('provider').primaryKey(),
    lastSuccessAt: d.int('last_success_at'),
    lastErrorAt: d.int('last_error_at'),
    lastError: d.text('last_error'),
    /** Set at the first failure after a success; cleared by the next success. */
    fallbackSince: d.int('fallback_since'),
    lastSource: d.text('last_source', {enum: DATA_SOURCES}),
    updatedAt: d.int('updated_at').notNull(),
    /** The quota monitor's last verdict on the provider's current quota window (null: never judged, or no quota). */
    quotaState: d.text('quota_state', {enum: QUOTA_MONITOR_STATES}),
    quotaWindowStart: d.int('quota_window_start'),
    quotaResetsAt: d.int('quota_resets_at'),
    quotaUsed: d.int('quota_used'),
    quotaLimit: d.int('quota_limit'),
    /** Since when the monitor has kept the provider on its fallback (switch or blocked); cleared when the window resets. */
    quotaFailoverSince: d.int('quota_failover_since'),
  })

  /**
   * The health-check job's probes: each provider's lightest call (and the database, and free disk), whether it
   * answered and how long it took; `providers status` reads uptime and response times from them.
   */
  const providerProbes = d.table(
    'provider_probes',
    {
      id: d.id('id'),
      /** A provider's name (nws, open-meteo, aishub, aisstream, nmea-tcp), or database or disk. */
      target: d.text('target').notNull(),
      probedAt: d.int('probed_at').notNull(),
      /** skipped: not called (its quota is spent or nearly so); counted in no uptime. */
      status: d.text('status', {enum: PROBE_STATUSES}).notNull(),
      responseMs: d.real('response_ms'),
      error: d.text('error'),
      /** What the probe saw besides up or down, e.g. `12.5 % free`. */
      detail: d.text('detail'),
    },
    (t) => [d.index('provider_probes_target_probed_idx').on(t.target, t.probedAt), d.index('provider_probes_probed_idx').on(t.probedAt)],
  )

  /** Sea state at ports (Open-Meteo marine): wave height and the storm risk it implies. */
  const portWeather = d.table(
    'port_weather',
    {
      id: d.id('id'),
      portId: d.int('port_id')
        .notNull()
        .references(() => ports.id, {onDelete: 'cascade'}),
      observedAt: d.int('observed_at').notNull(),
      waveHeightM: d.real('wave_height_m'),
      wavePeriodS: d.real('wave_period_s'),
      stormRisk: d.text('storm_risk', {enum: ['low', 'moderate', 'high', 'severe', 'unknown']}).notNull(),
      source: d.text('source', {enum: DATA_SOURCES}).notNull(),
      createdAt: d.int('created_at').notNull(),
    },
    (t) => [d.index('port_weather_port_observed_idx').on(t.portId, t.observedAt)],
  )


  /** Threshold rules the alert worker evaluates: a metric of a target (or of all targets of its kind). */
  const alertRules = d.table(
    'alert_rules',
    {
      id: d.id('id'),
      name: d.text('name'),
      metric: d.text('metric').notNull(),
      /** port, vessel, zone, job or provider. */
      targetKind: d.text('target_kind').notNull(),
      /** The target's key (port id, MMSI, zone id, job or provider name); null: every target of the kind. */
      targetId: d.text('target_id'),
      operator: d.text('operator', {enum: ALERT_OPERATORS}).notNull(),
      threshold: d.real('threshold').notNull(),
      severity: d.text('severity', {enum: SEVERITIES}).notNull(),
      enabled: d.bool('enabled').notNull().default(true),
      /** Readings older than this are skipped; null: the metric's default. */
      freshnessSeconds: d.int('freshness_seconds'),
      createdAt: d.int('created_at').notNull(),
      updatedAt: d.int('updated_at').notNull(),
    },
    (t) => [d.index('alert_rules_metric_idx').on(t.metric)],
  )

  /**
   * Each provider's calls in one calendar month (UTC), recorded by quota-reset when the month is over, so
   * the history outlives the per-window counts; with the monthly quota that applied, if any.
   */
  const providerUsageMonths = d.table(
    'provider_usage_months',
    {
      provider: d.text('provider').notNull(),
      monthStart: d.int('month_start').notNull(),
      requests: d.int('requests').notNull(),
      /** Quota windows that counted calls in the month. */
      windows: d.int('windows').notNull(),
      /** The most calls in one of those windows. */
      peakWindowRequests: d.int('peak_window_requests').notNull(),
      quotaLimit: d.int('quota_limit'),
      quotaWindow: d.text('quota_window', {enum: QUOTA_WINDOWS}),
      closedAt: d.int('closed_at').notNull(),
    },
    (t) => [d.uniqueIndex('provider_usage_months_provider_month_unique').on(t.provider, t.monthStart)],
  )

  /** Threshold crossings: open while the value stays past the threshold, resolved with the value that ended it. */
  const alertEvents = d.table(
    'alert_events',
    {
      id: d.id('id'),
      alertId: d.int('alert_id')
        .notNull()
        .references(() => alertRules.id, {onDelete: 'cascade'}),
      target: d.text('target').notNull(),
      triggeredAt: d.int('triggered_at').notNull(),
      currentValue: d.real('current_value').notNull(),
      thresholdValue: d.real('threshold_value').notNull(),
      operator: d.text('operator', {enum: ALERT_OPERATORS}).notNull(),
      metric: d.text('metric').notNull(),
      isResolved: d.bool('is_resolved').notNull().default(false),
      resolvedAt: d.int('resolved_at'),
      resolutionValue: d.real('resolution_value'),
      metadata: d.json('metadata').$type<Record<string, unknown>>(),
    },
    (t) => [
      d.uniqueIndex('alert_events_open_unique')
        .on(t.alertId, t.target)
        .where(sql`NOT is_resolved`),
      d.index('alert_events_triggered_idx').on(t.triggeredAt),
    ],
  )


  /** Work started over HTTP in the background (job runs, refreshes): its status and, when done, its result. */
  const apiTasks = d.table('api_tasks', {
    id: d.id('id'),
    kind: d.text('kind', {enum: ['jobs', 'refresh']}).notNull(),
    target: d.text('target').notNull(),
    status: d.text('status', {enum: ['running', 'success', 'failed', 'skipped']}).notNull(),
    requestedBy: d.text('requested_by').notNull(),
    createdAt: d.int('created_at').notNull(),
    completedAt: d.int('completed_at'),
    result: d.json('result').$type<Record<string, unknown>>(),
    error: d.text('error'),
  })


  /**
   * Web page sessions: a session token exchanged for an API token at sign-in, kept only as its hash; the
   * user's row (null for the bootstrap admin token) ends its sessions when the user is removed.
   */
  const webSessions = d.table(
    'web_sessions',
    {
      id: d.id('id'),
      tokenHash: d.text('token_hash').notNull(),
      userId: d.int('user_id').references(() => users.id, {onDelete: 'cascade'}),
      userName: d.text('user_name').notNull(),
      role: d.text('role', {enum: ROLES}).notNull(),
      createdAt: d.int('created_at').notNull(),
      expiresAt: d.int('expires_at').notNull(),
    },
    (t) => [d.uniqueIndex('web_sessions_token_hash_unique').on(t.tokenHash), d.index('web_sessions_expires_idx').on(t.expiresAt)],
  )

  /**
   * Marine alerts whose zone outlines could not all be had: kept with the alert itself, so a later run
   * retries them even when NWS is down, until they are completed, expire or NWS stops listing them.
   */
  const pendingStormAlerts = d.table(
    'pending_storm_alerts',
    {
      /** The NWS alert id. */
      alertId: d.text('alert_id').primaryKey(),
      event: d.text('event').notNull(),
      /** A warning-level event: reported as a warning and in health while it waits. */
      warning: d.bool('warning').notNull(),
      area: d.text('area'),
      state: d.text('state', {enum: STORM_ALERT_STATES}).notNull(),
      /** The alert as parsed (MarineAlert), to build its zone later without asking NWS again. */
      alert: d.json('alert').$type<Record<string, unknown>>().notNull(),
      /** Paths of the zones it names, and of those still without an outline. */
      zones: d.json('zones').$type<string[]>().notNull(),
      missingZones: d.json('missing_zones').$type<string[]>().notNull(),
      reason: d.text('reason'),
      /** The source of the alert when it was read (live or cached). */
      source: d.text('source', {enum: DATA_SOURCES}).notNull(),
      validFrom: d.int('valid_from'),
      validTo: d.int('valid_to'),
      firstSeenAt: d.int('first_seen_at').notNull(),
      /** When the NWS answer that last listed the alert was fetched. */
      listedAt: d.int('listed_at').notNull(),
      attempts: d.int('attempts').notNull().default(0),
      lastAttemptAt: d.int('last_attempt_at'),
      settledAt: d.int('settled_at'),
    },
    (t) => [d.index('pending_storm_alerts_state_idx').on(t.state)],
  )

  /**
   * What the queue's vessel checks found (identity checks, analyses of a vessel's track), one row per finding:
   * a check that runs again finds the same dedupe key and only moves last_seen_at, so a job run twice stores nothing twice.
   */
  const vesselFindings = d.table(
    'vessel_findings',
    {
      id: d.id('id'),
      mmsi: d.int('mmsi').notNull(),
      check: d.text('check', {enum: FINDING_CHECKS}).notNull(),
      kind: d.text('kind').notNull(),
      dedupeKey: d.text('dedupe_key').notNull(),
      severity: d.text('severity', {enum: SEVERITIES}).notNull(),
      title: d.text('title').notNull(),
      detail: d.json('detail').$type<Record<string, unknown>>().notNull(),
      /** When what was found happened (a report's time), not when the check ran. */
      observedAt: d.int('observed_at'),
      firstSeenAt: d.int('first_seen_at').notNull(),
      lastSeenAt: d.int('last_seen_at').notNull(),
    },
    (t) => [d.uniqueIndex('vessel_findings_dedupe_unique').on(t.dedupeKey), d.index('vessel_findings_mmsi_idx').on(t.mmsi)],
  )

  /**
   * Each identity value (IMO number, name, call sign) a vessel's static reports have given, once per value:
   * the identity check reads changes from it (the vessels row keeps only the latest merge). Written by intake
   * only when a static report changed the vessel.
   */
  const vesselIdentityValues = d.table(
    'vessel_identity_values',
    {
      id: d.id('id'),
      mmsi: d.int('mmsi').notNull(),
      field: d.text('field', {enum: IDENTITY_FIELDS}).notNull(),
      value: d.text('value').notNull(),
      firstSeenAt: d.int('first_seen_at').notNull(),
      lastSeenAt: d.int('last_seen_at').notNull(),
    },
    (t) => [d.uniqueIndex('vessel_identity_values_unique').on(t.mmsi, t.field, t.value)],
  )

  /**
   * Queue workers (`worker`), one row per process: what it serves, its heartbeat (the lease clock: the
   * database server's on PostgreSQL) and what it holds; a worker silent longer than
   * HARBORMASTER_WORKER_HEARTBEAT_SECONDS is lost and its jobs go back to the queue.
   */
  const queueWorkers = d.table(
    'queue_workers',
    {
      id: d.text('id').primaryKey(),
      host: d.text('host').notNull(),
      pid: d.int('pid').notNull(),
      /** The queues served and their weights, e.g. {"critical":6,"default":1}. */
      queues: d.json('queues').$type<Record<string, number>>().notNull(),
      strict: d.bool('strict').notNull().default(false),
      concurrency: d.int('concurrency').notNull(),
      /** Whether it runs the scheduler (only the one holding the `scheduler` lease enqueues). */
      scheduler: d.bool('scheduler').notNull().default(false),
      startedAt: d.int('started_at').notNull(),
      heartbeatAt: d.int('heartbeat_at').notNull(),
      stoppedAt: d.int('stopped_at'),
      /** Ids of the queued jobs it runs now. */
      currentJobs: d.json('current_jobs').$type<string[]>().notNull(),
      processed: d.int('processed').notNull().default(0),
      failed: d.int('failed').notNull().default(0),
    },
    (t) => [d.index('queue_workers_heartbeat_idx').on(t.heartbeatAt)],
  )

  /**
   * Rows per table for the tables health counts, kept exact by triggers (migration `table-rows-triggers`):
   * a count is read, never counted, however large the table grows.
   */
  const tableRows = d.table('table_rows', {
    tableName: d.text('table_name').primaryKey(),
    rowCount: d.int('row_count').notNull(),
  })

  /**
   * The embedded queue's jobs (SQLite; PostgreSQL runs pg-boss and its own tables instead). `queued` is
   * scheduled, pending or retry as `run_at` and `failures` say against the clock (engines/embedded.ts).
   */
  const queueJobs = d.table(
    'queue_jobs',
    {
      id: d.id('id'),
      type: d.text('type').notNull(),
      queue: d.text('queue').notNull(),
      payload: d.json('payload').$type<Record<string, unknown>>().notNull(),
      state: d.text('state', {enum: QUEUE_JOB_ROW_STATES}).notNull(),
      /** Attempts started (a released one is taken back). */
      attempts: d.int('attempts').notNull().default(0),
      /** Attempts failed: how many entries `errors` holds. */
      failures: d.int('failures').notNull().default(0),
      maxRetries: d.int('max_retries').notNull(),
      timeoutSeconds: d.int('timeout_seconds').notNull(),
      createdAt: d.int('created_at').notNull(),
      /** When the job is due: enqueued time, delay or --at, or the end of a retry's backoff. */
      runAt: d.int('run_at').notNull(),
      startedAt: d.int('started_at'),
      finishedAt: d.int('finished_at'),
      uniqueKey: d.text('unique_key'),
      /** The unique key while the job holds it; cleared when it frees (finished, dead, or its time ran out). */
      uniqueHold: d.text('unique_hold'),
      /** When the hold ends by itself; null: when the job finishes. */
      uniqueUntil: d.int('unique_until'),
      workerId: d.text('worker_id'),
      /** Every failed attempt: {attempt, at, message, stack}, oldest first. */
      errors: d.json('errors').$type<Array<{attempt: number; at: number; message: string; stack?: string}>>(),
      /** When the newest failed attempt failed: finds the attempts failed in the last minutes. */
      lastFailedAt: d.int('last_failed_at'),
      result: d.json('result'),
    },
    (t) => [
      // The claim's order; `failures` tells a page of scheduled jobs from retrying ones without reading rows.
      d.index('queue_jobs_fetch_idx').on(t.queue, t.state, t.runAt, t.failures),
      d.index('queue_jobs_state_idx').on(t.state),
      // A queue's active, completed or dead jobs a page at a time, newest first (the web page's keyset paging).
      d.index('queue_jobs_listing_idx').on(t.queue, t.state, t.createdAt),
      d.index('queue_jobs_finished_idx')
        .on(t.state, t.finishedAt)
        .where(sql`finished_at IS NOT NULL`),
      d.uniqueIndex('queue_jobs_unique_hold_unique')
        .on(t.uniqueHold)
        .where(sql`unique_hold IS NOT NULL`),
      d.index('queue_jobs_failed_idx')
        .on(t.lastFailedAt)
        .where(sql`last_failed_at IS NOT NULL`),
    ],
  )

  /**
   * Each vessel's profile as the profile-refresh job last computed it (`vessels show` reads it): identity
   * history, usual ports, last port call, activity and events over the 30 days before `computed_at`.
   */
  const vesselProfiles = d.table('vessel_profiles', {
    mmsi: d.int('mmsi').primaryKey(),
    computedAt: d.int('computed_at').notNull(),
    /** The start of the activity and events window (30 days before computed_at). */
    windowStart: d.int('window_start').notNull(),
    positions24h: d.int('positions_24h').notNull(),
    positions: d.int('positions').notNull(),
    distanceNm: d.real('distance_nm').notNull(),
    daysHeard: d.int('days_heard').notNull(),
    firstHeardAt: d.int('first_heard_at'),
    lastHeardAt: d.int('last_heard_at'),
    identity: d.json('identity').$type<ProfileIdentityValue[]>().notNull(),
    usualPorts: d.json('usual_ports').$type<ProfilePort[]>().notNull(),
    lastPortCall: d.json('last_port_call').$type<ProfilePortCall | null>(),
    eventsByType: d.json('events_by_type').$type<Record<string, number>>().notNull(),
  })

  /**
   * Each table's months written to the archive folder (`archive`): cleanup deletes a table's rows of a month
   * only once it is here (HARBORMASTER_ARCHIVE=on), and `db archive restore` checks a file against its digest.
   */
  const archivedMonths = d.table(
    'archived_months',
    {
      /** The UTC calendar month, `YYYY-MM`. */
      month: d.text('month').notNull(),
      tableName: d.text('table_name').notNull(),
      rows: d.int('rows').notNull(),
      /** The file's name in the month's folder. */
      file: d.text('file').notNull(),
      sha256: d.text('sha256').notNull(),
      bytes: d.int('bytes').notNull(),
      archivedAt: d.int('archived_at').notNull(),
    },
    (t) => [d.primaryKey({columns: [t.month, t.tableName]})],
  )

  /**
   * The embedded queue's rows per queue, stored state and whether they failed an attempt (`failed` 0 or 1),
   * kept by triggers on queue_jobs (SQLite only, drizzle/sqlite's queue-depths migration): a queue's depths
   * without counting a million rows. Waiting rows split into pending, scheduled and retry by their due time.
   */
  const queueDepths = d.table(
    'queue_depths',
    {
      queue: d.text('queue').notNull(),
      state: d.text('state', {enum: QUEUE_JOB_ROW_STATES}).notNull(),
      failed: d.int('failed').notNull(),
      jobs: d.int('jobs').notNull(),
    },
    (t) => [d.primaryKey({columns: [t.queue, t.state, t.failed]})],
  )

  return {ports, portCongestion, portCongestionDaily, portAreaCells, vesselStops, portCalls, vessels, vesselPositions, positionSuspects, discardedPositions, behaviourEpisodes, safetyZones, safetyEvents, users, watchlists, notifications, jobRuns, jobLocks, apiCache, settings, providerUsage, providerState, portWeather, alertRules, alertEvents, apiTasks, pendingStormAlerts, tableRows, queueJobs, queueWorkers, vesselFindings, vesselIdentityValues, providerProbes, vesselProfiles, providerUsageMonths, archivedMonths, webSessions, queueDepths}
}

export type Tables = ReturnType<typeof defineTables>
