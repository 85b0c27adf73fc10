CREATE TABLE `vessel_findings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mmsi` integer NOT NULL,
	`check` text NOT NULL,
	`kind` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`severity` text NOT NULL,
	`title` text NOT NULL,
	`detail` text NOT NULL,
	`observed_at` integer,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vessel_findings_dedupe_unique` ON `vessel_findings` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `vessel_findings_mmsi_idx` ON `vessel_findings` (`mmsi`);--> statement-breakpoint
CREATE TABLE `vessel_identity_values` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mmsi` integer NOT NULL,
	`field` text NOT NULL,
	`value` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vessel_identity_values_unique` ON `vessel_identity_values` (`mmsi`,`field`,`value`);--> statement-breakpoint
ALTER TABLE `notifications` ADD `job_run_id` integer REFERENCES job_runs(id) ON DELETE cascade;--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_user_job_run_channel_unique` ON `notifications` (`user_id`,`job_run_id`,`channel`);