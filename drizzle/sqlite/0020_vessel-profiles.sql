CREATE TABLE `vessel_profiles` (
	`mmsi` integer PRIMARY KEY NOT NULL,
	`computed_at` integer NOT NULL,
	`window_start` integer NOT NULL,
	`positions_24h` integer NOT NULL,
	`positions` integer NOT NULL,
	`distance_nm` real NOT NULL,
	`days_heard` integer NOT NULL,
	`first_heard_at` integer,
	`last_heard_at` integer,
	`identity` text NOT NULL,
	`usual_ports` text NOT NULL,
	`last_port_call` text,
	`events_by_type` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `safety_events_mmsi_observed_idx` ON `safety_events` (`mmsi`,`observed_at`);