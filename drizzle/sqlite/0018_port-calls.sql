CREATE TABLE `port_calls` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mmsi` integer NOT NULL,
	`port_id` integer NOT NULL,
	`arrived_at` integer NOT NULL,
	`departed_at` integer,
	`last_at` integer NOT NULL,
	`berthed_at` integer,
	`anchorage_ms` integer DEFAULT 0 NOT NULL,
	`berth_ms` integer DEFAULT 0 NOT NULL,
	`stops` integer DEFAULT 0 NOT NULL,
	`gaps` integer DEFAULT 0 NOT NULL,
	`is_call` integer,
	`entry_lat` real NOT NULL,
	`entry_lon` real NOT NULL,
	`stop_place` text,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`port_id`) REFERENCES `ports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `port_calls_vessel_arrived_unique` ON `port_calls` (`mmsi`,`arrived_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `port_calls_open_unique` ON `port_calls` (`mmsi`) WHERE departed_at IS NULL;--> statement-breakpoint
CREATE INDEX `port_calls_port_arrived_idx` ON `port_calls` (`port_id`,`arrived_at`);--> statement-breakpoint
CREATE INDEX `port_calls_departed_idx` ON `port_calls` (`departed_at`);