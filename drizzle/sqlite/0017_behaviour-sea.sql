CREATE TABLE `behaviour_episodes` (
	`kind` text NOT NULL,
	`mmsi` integer NOT NULL,
	`other_mmsi` integer NOT NULL,
	`started_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	`state` text NOT NULL,
	PRIMARY KEY(`kind`, `mmsi`, `other_mmsi`)
);
--> statement-breakpoint
CREATE TABLE `discarded_positions` (
	`mmsi` integer NOT NULL,
	`observed_at` integer NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	`sog` real,
	`cog` real,
	`heading` integer,
	`nav_status` integer,
	`utc_second` integer,
	`source` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`mmsi`, `observed_at`)
);
--> statement-breakpoint
CREATE INDEX `discarded_positions_observed_idx` ON `discarded_positions` (`observed_at`);