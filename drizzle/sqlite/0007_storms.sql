CREATE TABLE `pending_storm_alerts` (
	`alert_id` text PRIMARY KEY NOT NULL,
	`event` text NOT NULL,
	`warning` integer NOT NULL,
	`area` text,
	`state` text NOT NULL,
	`alert` text NOT NULL,
	`zones` text NOT NULL,
	`missing_zones` text NOT NULL,
	`reason` text,
	`source` text NOT NULL,
	`valid_from` integer,
	`valid_to` integer,
	`first_seen_at` integer NOT NULL,
	`listed_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_attempt_at` integer,
	`settled_at` integer
);
--> statement-breakpoint
CREATE INDEX `pending_storm_alerts_state_idx` ON `pending_storm_alerts` (`state`);