CREATE TABLE "alert_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"alert_id" bigint NOT NULL,
	"target" text NOT NULL,
	"triggered_at" bigint NOT NULL,
	"current_value" double precision NOT NULL,
	"threshold_value" double precision NOT NULL,
	"operator" text NOT NULL,
	"metric" text NOT NULL,
	"is_resolved" boolean DEFAULT false NOT NULL,
	"resolved_at" bigint,
	"resolution_value" double precision,
	"metadata" jsonb
);
--> statement-breakpoint
CREATE TABLE "alert_rules" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text,
	"metric" text NOT NULL,
	"target_kind" text NOT NULL,
	"target_id" text,
	"operator" text NOT NULL,
	"threshold" double precision NOT NULL,
	"severity" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"freshness_seconds" bigint,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"payload" text NOT NULL,
	"fetched_at" bigint NOT NULL,
	"ttl_seconds" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_tasks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"target" text NOT NULL,
	"status" text NOT NULL,
	"requested_by" text NOT NULL,
	"created_at" bigint NOT NULL,
	"completed_at" bigint,
	"result" jsonb,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "job_locks" (
	"job" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"host" text NOT NULL,
	"pid" bigint NOT NULL,
	"acquired_at" bigint NOT NULL,
	"heartbeat_at" bigint NOT NULL,
	"lease_expires_at" bigint NOT NULL,
	"run_id" bigint
);
--> statement-breakpoint
CREATE TABLE "job_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"status" text NOT NULL,
	"started_at" bigint NOT NULL,
	"completed_at" bigint,
	"duration_ms" bigint,
	"summary" jsonb,
	"error" text,
	"peak_rss_bytes" bigint,
	"start_rss_bytes" bigint,
	"host" text NOT NULL,
	"pid" bigint NOT NULL,
	"trigger" text DEFAULT 'cli' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"event_id" bigint,
	"alert_event_id" bigint,
	"channel" text NOT NULL,
	"status" text NOT NULL,
	"attempts" bigint DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" bigint NOT NULL,
	"delivered_at" bigint
);
--> statement-breakpoint
CREATE TABLE "pending_storm_alerts" (
	"alert_id" text PRIMARY KEY NOT NULL,
	"event" text NOT NULL,
	"warning" boolean NOT NULL,
	"area" text,
	"state" text NOT NULL,
	"alert" jsonb NOT NULL,
	"zones" jsonb NOT NULL,
	"missing_zones" jsonb NOT NULL,
	"reason" text,
	"source" text NOT NULL,
	"valid_from" bigint,
	"valid_to" bigint,
	"first_seen_at" bigint NOT NULL,
	"listed_at" bigint NOT NULL,
	"attempts" bigint DEFAULT 0 NOT NULL,
	"last_attempt_at" bigint,
	"settled_at" bigint
);
--> statement-breakpoint
CREATE TABLE "port_area_cells" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"port_id" bigint NOT NULL,
	"cell" text NOT NULL,
	"lat" double precision NOT NULL,
	"lon" double precision NOT NULL,
	"kind" text NOT NULL,
	"method" text NOT NULL,
	"label" text,
	"sublabel" text,
	"vessels" bigint,
	"origin" text NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "port_congestion" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"port_id" bigint NOT NULL,
	"observed_at" bigint NOT NULL,
	"window_start" bigint NOT NULL,
	"vessels_waiting" bigint,
	"vessels_at_berth" bigint,
	"vessels_in_port" bigint,
	"level" text NOT NULL,
	"baseline_waiting" double precision,
	"baseline_samples" bigint DEFAULT 0 NOT NULL,
	"trend" text NOT NULL,
	"waiting_unknown_type" bigint,
	"at_berth_unknown_type" bigint,
	"median_wait_hours" double precision,
	"waits_counted" bigint,
	"episode_started_at" bigint,
	"source" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "port_congestion_daily" (
	"port_id" bigint NOT NULL,
	"day" bigint NOT NULL,
	"median_waiting" double precision,
	"snapshots" bigint NOT NULL,
	"episode_snapshots" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "port_congestion_daily_port_id_day_pk" PRIMARY KEY("port_id","day")
);
--> statement-breakpoint
CREATE TABLE "port_weather" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"port_id" bigint NOT NULL,
	"observed_at" bigint NOT NULL,
	"wave_height_m" double precision,
	"wave_period_s" double precision,
	"storm_risk" text NOT NULL,
	"source" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"wpi_number" text,
	"unlocode" text,
	"name" text NOT NULL,
	"country" text,
	"region" text,
	"water_body" text,
	"lat" double precision NOT NULL,
	"lon" double precision NOT NULL,
	"radius_km" double precision NOT NULL,
	"harbor_size" text,
	"harbor_type" text,
	"origin" text NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "position_suspects" (
	"mmsi" bigint NOT NULL,
	"observed_at" bigint NOT NULL,
	"lat" double precision NOT NULL,
	"lon" double precision NOT NULL,
	"sog" double precision,
	"cog" double precision,
	"heading" bigint,
	"nav_status" bigint,
	"utc_second" bigint,
	"source" text NOT NULL,
	"received_at" bigint NOT NULL,
	CONSTRAINT "position_suspects_mmsi_observed_at_pk" PRIMARY KEY("mmsi","observed_at")
);
--> statement-breakpoint
CREATE TABLE "provider_state" (
	"provider" text PRIMARY KEY NOT NULL,
	"last_success_at" bigint,
	"last_error_at" bigint,
	"last_error" text,
	"fallback_since" bigint,
	"last_source" text,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_usage" (
	"provider" text NOT NULL,
	"window_start" bigint NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "safety_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"severity" text NOT NULL,
	"zone_id" bigint,
	"port_id" bigint,
	"mmsi" bigint,
	"dedupe_key" text NOT NULL,
	"title" text NOT NULL,
	"lat" double precision,
	"lon" double precision,
	"source" text NOT NULL,
	"observed_at" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	"last_seen_at" bigint NOT NULL,
	"resolved_at" bigint,
	"metadata" jsonb
);
--> statement-breakpoint
CREATE TABLE "safety_zones" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"external_id" text NOT NULL,
	"name" text NOT NULL,
	"severity" text NOT NULL,
	"geometry" jsonb NOT NULL,
	"min_lon" double precision NOT NULL,
	"min_lat" double precision NOT NULL,
	"max_lon" double precision NOT NULL,
	"max_lat" double precision NOT NULL,
	"valid_from" bigint,
	"valid_to" bigint,
	"active" boolean DEFAULT true NOT NULL,
	"port_id" bigint,
	"source" text NOT NULL,
	"observed_at" bigint NOT NULL,
	"origin" text NOT NULL,
	"metadata" jsonb,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"webhook_url" text,
	"created_at" bigint NOT NULL,
	CONSTRAINT "users_name_unique" UNIQUE("name"),
	CONSTRAINT "users_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "vessel_positions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"mmsi" bigint NOT NULL,
	"observed_at" bigint NOT NULL,
	"lat" double precision NOT NULL,
	"lon" double precision NOT NULL,
	"sog" double precision,
	"cog" double precision,
	"heading" bigint,
	"nav_status" bigint,
	"utc_second" bigint,
	"source" text NOT NULL,
	"received_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vessel_stops" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"mmsi" bigint NOT NULL,
	"port_id" bigint,
	"kind" text NOT NULL,
	"cell" text NOT NULL,
	"lat" double precision NOT NULL,
	"lon" double precision NOT NULL,
	"started_at" bigint NOT NULL,
	"last_at" bigint NOT NULL,
	"ended_at" bigint,
	"anchored_reports" bigint DEFAULT 0 NOT NULL,
	"moored_reports" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vessels" (
	"mmsi" bigint PRIMARY KEY NOT NULL,
	"imo" bigint,
	"name" text,
	"callsign" text,
	"ship_type" bigint,
	"length_m" bigint,
	"beam_m" bigint,
	"draught_m" double precision,
	"destination" text,
	"flag" text,
	"lat" double precision,
	"lon" double precision,
	"sog" double precision,
	"cog" double precision,
	"heading" bigint,
	"nav_status" bigint,
	"utc_second" bigint,
	"position_at" bigint,
	"position_source" text,
	"origin" text NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "watchlists" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"mmsi" bigint,
	"port_id" bigint,
	"min_lon" double precision,
	"min_lat" double precision,
	"max_lon" double precision,
	"max_lat" double precision,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_alert_id_alert_rules_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alert_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_event_id_safety_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."safety_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_alert_event_id_alert_events_id_fk" FOREIGN KEY ("alert_event_id") REFERENCES "public"."alert_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "port_area_cells" ADD CONSTRAINT "port_area_cells_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "port_congestion" ADD CONSTRAINT "port_congestion_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "port_congestion_daily" ADD CONSTRAINT "port_congestion_daily_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "port_weather" ADD CONSTRAINT "port_weather_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "safety_events" ADD CONSTRAINT "safety_events_zone_id_safety_zones_id_fk" FOREIGN KEY ("zone_id") REFERENCES "public"."safety_zones"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "safety_events" ADD CONSTRAINT "safety_events_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "safety_zones" ADD CONSTRAINT "safety_zones_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vessel_stops" ADD CONSTRAINT "vessel_stops_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlists" ADD CONSTRAINT "watchlists_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlists" ADD CONSTRAINT "watchlists_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alert_events_open_unique" ON "alert_events" USING btree ("alert_id","target") WHERE NOT is_resolved;--> statement-breakpoint
CREATE INDEX "alert_events_triggered_idx" ON "alert_events" USING btree ("triggered_at");--> statement-breakpoint
CREATE INDEX "alert_rules_metric_idx" ON "alert_rules" USING btree ("metric");--> statement-breakpoint
CREATE INDEX "api_cache_source_idx" ON "api_cache" USING btree ("source");--> statement-breakpoint
CREATE INDEX "job_runs_job_started_idx" ON "job_runs" USING btree ("job","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_user_event_channel_unique" ON "notifications" USING btree ("user_id","event_id","channel");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_user_alert_event_channel_unique" ON "notifications" USING btree ("user_id","alert_event_id","channel");--> statement-breakpoint
CREATE INDEX "notifications_created_idx" ON "notifications" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "pending_storm_alerts_state_idx" ON "pending_storm_alerts" USING btree ("state");--> statement-breakpoint
CREATE UNIQUE INDEX "port_area_cells_cell_unique" ON "port_area_cells" USING btree ("cell");--> statement-breakpoint
CREATE INDEX "port_area_cells_port_idx" ON "port_area_cells" USING btree ("port_id");--> statement-breakpoint
CREATE INDEX "port_congestion_port_observed_idx" ON "port_congestion" USING btree ("port_id","observed_at");--> statement-breakpoint
CREATE INDEX "port_weather_port_observed_idx" ON "port_weather" USING btree ("port_id","observed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "ports_wpi_number_unique" ON "ports" USING btree ("wpi_number");--> statement-breakpoint
CREATE INDEX "ports_unlocode_idx" ON "ports" USING btree ("unlocode");--> statement-breakpoint
CREATE UNIQUE INDEX "provider_usage_provider_window_unique" ON "provider_usage" USING btree ("provider","window_start");--> statement-breakpoint
CREATE UNIQUE INDEX "safety_events_open_unique" ON "safety_events" USING btree ("dedupe_key") WHERE resolved_at IS NULL;--> statement-breakpoint
CREATE INDEX "safety_events_created_idx" ON "safety_events" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "safety_zones_external_id_unique" ON "safety_zones" USING btree ("external_id");--> statement-breakpoint
CREATE INDEX "safety_zones_kind_idx" ON "safety_zones" USING btree ("kind");--> statement-breakpoint
CREATE UNIQUE INDEX "vessel_positions_mmsi_observed_unique" ON "vessel_positions" USING btree ("mmsi","observed_at");--> statement-breakpoint
CREATE INDEX "vessel_positions_observed_idx" ON "vessel_positions" USING btree ("observed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "vessel_stops_open_unique" ON "vessel_stops" USING btree ("mmsi") WHERE ended_at IS NULL;--> statement-breakpoint
CREATE INDEX "vessel_stops_port_started_idx" ON "vessel_stops" USING btree ("port_id","started_at");--> statement-breakpoint
CREATE INDEX "vessel_stops_ended_idx" ON "vessel_stops" USING btree ("ended_at");--> statement-breakpoint
CREATE INDEX "vessels_position_at_idx" ON "vessels" USING btree ("position_at");--> statement-breakpoint
CREATE INDEX "watchlists_user_idx" ON "watchlists" USING btree ("user_id");