CREATE TABLE `port_area_cells` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`port_id` integer NOT NULL,
	`cell` text NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	`kind` text NOT NULL,
	`method` text NOT NULL,
	`label` text,
	`sublabel` text,
	`vessels` integer,
	`origin` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`port_id`) REFERENCES `ports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `port_area_cells_cell_unique` ON `port_area_cells` (`cell`);--> statement-breakpoint
CREATE INDEX `port_area_cells_port_idx` ON `port_area_cells` (`port_id`);--> statement-breakpoint
CREATE TABLE `port_congestion_daily` (
	`port_id` integer NOT NULL,
	`day` integer NOT NULL,
	`median_waiting` real,
	`snapshots` integer NOT NULL,
	`episode_snapshots` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`port_id`, `day`),
	FOREIGN KEY (`port_id`) REFERENCES `ports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `vessel_stops` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mmsi` integer NOT NULL,
	`port_id` integer,
	`kind` text NOT NULL,
	`cell` text NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	`started_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	`ended_at` integer,
	`anchored_reports` integer DEFAULT 0 NOT NULL,
	`moored_reports` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`port_id`) REFERENCES `ports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vessel_stops_open_unique` ON `vessel_stops` (`mmsi`) WHERE ended_at IS NULL;--> statement-breakpoint
CREATE INDEX `vessel_stops_port_started_idx` ON `vessel_stops` (`port_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `vessel_stops_ended_idx` ON `vessel_stops` (`ended_at`);--> statement-breakpoint
ALTER TABLE `port_congestion` ADD `waiting_unknown_type` integer;--> statement-breakpoint
ALTER TABLE `port_congestion` ADD `at_berth_unknown_type` integer;--> statement-breakpoint
ALTER TABLE `port_congestion` ADD `median_wait_hours` real;--> statement-breakpoint
ALTER TABLE `port_congestion` ADD `waits_counted` integer;--> statement-breakpoint
ALTER TABLE `port_congestion` ADD `episode_started_at` integer;