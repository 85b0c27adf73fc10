CREATE TABLE `provider_probes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`target` text NOT NULL,
	`probed_at` integer NOT NULL,
	`status` text NOT NULL,
	`response_ms` real,
	`error` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `provider_probes_target_probed_idx` ON `provider_probes` (`target`,`probed_at`);--> statement-breakpoint
CREATE INDEX `provider_probes_probed_idx` ON `provider_probes` (`probed_at`);