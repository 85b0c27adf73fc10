CREATE TABLE `api_cache` (
	`key` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`payload` text NOT NULL,
	`fetched_at` integer NOT NULL,
	`ttl_seconds` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `api_cache_source_idx` ON `api_cache` (`source`);--> statement-breakpoint
CREATE TABLE `job_locks` (
	`job` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`host` text NOT NULL,
	`pid` integer NOT NULL,
	`acquired_at` integer NOT NULL,
	`heartbeat_at` integer NOT NULL,
	`lease_expires_at` integer NOT NULL,
	`run_id` integer
);
--> statement-breakpoint
CREATE TABLE `job_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job` text NOT NULL,
	`status` text NOT NULL,
	`started_at` integer NOT NULL,
	`completed_at` integer,
	`duration_ms` integer,
	`summary` text,
	`error` text,
	`peak_rss_bytes` integer,
	`host` text NOT NULL,
	`pid` integer NOT NULL,
	`trigger` text DEFAULT 'cli' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `job_runs_job_started_idx` ON `job_runs` (`job`,`started_at`);--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`event_id` integer NOT NULL,
	`channel` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`event_id`) REFERENCES `safety_events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_user_event_channel_unique` ON `notifications` (`user_id`,`event_id`,`channel`);--> statement-breakpoint
CREATE INDEX `notifications_created_idx` ON `notifications` (`created_at`);--> statement-breakpoint
CREATE TABLE `port_congestion` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`port_id` integer NOT NULL,
	`observed_at` integer NOT NULL,
	`window_start` integer NOT NULL,
	`vessels_waiting` integer,
	`vessels_at_berth` integer,
	`vessels_in_port` integer,
	`level` text NOT NULL,
	`baseline_waiting` real,
	`baseline_samples` integer DEFAULT 0 NOT NULL,
	`trend` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`port_id`) REFERENCES `ports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `port_congestion_port_observed_idx` ON `port_congestion` (`port_id`,`observed_at`);--> statement-breakpoint
CREATE TABLE `ports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`wpi_number` text,
	`unlocode` text,
	`name` text NOT NULL,
	`country` text,
	`region` text,
	`water_body` text,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	`radius_km` real NOT NULL,
	`harbor_size` text,
	`harbor_type` text,
	`origin` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ports_wpi_number_unique` ON `ports` (`wpi_number`);--> statement-breakpoint
CREATE INDEX `ports_unlocode_idx` ON `ports` (`unlocode`);--> statement-breakpoint
CREATE TABLE `safety_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`severity` text NOT NULL,
	`zone_id` integer,
	`port_id` integer,
	`mmsi` integer,
	`dedupe_key` text NOT NULL,
	`title` text NOT NULL,
	`lat` real,
	`lon` real,
	`source` text NOT NULL,
	`observed_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`resolved_at` integer,
	`metadata` text,
	FOREIGN KEY (`zone_id`) REFERENCES `safety_zones`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`port_id`) REFERENCES `ports`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `safety_events_open_unique` ON `safety_events` (`dedupe_key`) WHERE resolved_at IS NULL;--> statement-breakpoint
CREATE INDEX `safety_events_created_idx` ON `safety_events` (`created_at`);--> statement-breakpoint
CREATE TABLE `safety_zones` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`external_id` text NOT NULL,
	`name` text NOT NULL,
	`severity` text NOT NULL,
	`geometry` text NOT NULL,
	`min_lon` real NOT NULL,
	`min_lat` real NOT NULL,
	`max_lon` real NOT NULL,
	`max_lat` real NOT NULL,
	`valid_from` integer,
	`valid_to` integer,
	`active` integer DEFAULT true NOT NULL,
	`port_id` integer,
	`source` text NOT NULL,
	`observed_at` integer NOT NULL,
	`origin` text NOT NULL,
	`metadata` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`port_id`) REFERENCES `ports`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `safety_zones_external_id_unique` ON `safety_zones` (`external_id`);--> statement-breakpoint
CREATE INDEX `safety_zones_kind_idx` ON `safety_zones` (`kind`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`webhook_url` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_name_unique` ON `users` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_token_hash_unique` ON `users` (`token_hash`);--> statement-breakpoint
CREATE TABLE `vessel_positions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mmsi` integer NOT NULL,
	`observed_at` integer NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	`sog` real,
	`cog` real,
	`heading` integer,
	`nav_status` integer,
	`source` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vessel_positions_mmsi_observed_unique` ON `vessel_positions` (`mmsi`,`observed_at`);--> statement-breakpoint
CREATE INDEX `vessel_positions_observed_idx` ON `vessel_positions` (`observed_at`);--> statement-breakpoint
CREATE TABLE `vessels` (
	`mmsi` integer PRIMARY KEY NOT NULL,
	`imo` integer,
	`name` text,
	`callsign` text,
	`ship_type` integer,
	`length_m` integer,
	`beam_m` integer,
	`draught_m` real,
	`destination` text,
	`flag` text,
	`lat` real,
	`lon` real,
	`sog` real,
	`cog` real,
	`heading` integer,
	`nav_status` integer,
	`position_at` integer,
	`position_source` text,
	`origin` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `vessels_position_at_idx` ON `vessels` (`position_at`);--> statement-breakpoint
CREATE TABLE `watchlists` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`kind` text NOT NULL,
	`mmsi` integer,
	`port_id` integer,
	`min_lon` real,
	`min_lat` real,
	`max_lon` real,
	`max_lat` real,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`port_id`) REFERENCES `ports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `watchlists_user_idx` ON `watchlists` (`user_id`);