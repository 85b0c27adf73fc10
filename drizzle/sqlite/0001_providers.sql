CREATE TABLE `port_weather` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`port_id` integer NOT NULL,
	`observed_at` integer NOT NULL,
	`wave_height_m` real,
	`wave_period_s` real,
	`storm_risk` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`port_id`) REFERENCES `ports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `port_weather_port_observed_idx` ON `port_weather` (`port_id`,`observed_at`);--> statement-breakpoint
CREATE TABLE `provider_state` (
	`provider` text PRIMARY KEY NOT NULL,
	`last_success_at` integer,
	`last_error_at` integer,
	`last_error` text,
	`fallback_since` integer,
	`last_source` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `provider_usage` (
	`provider` text NOT NULL,
	`window_start` integer NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `provider_usage_provider_window_unique` ON `provider_usage` (`provider`,`window_start`);