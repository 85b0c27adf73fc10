CREATE TABLE `position_suspects` (
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
