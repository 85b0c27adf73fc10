CREATE TABLE `queue_jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`queue` text NOT NULL,
	`payload` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`max_retries` integer NOT NULL,
	`timeout_seconds` integer NOT NULL,
	`created_at` integer NOT NULL,
	`run_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`unique_key` text,
	`unique_hold` text,
	`unique_until` integer,
	`worker_id` text,
	`errors` text,
	`last_failed_at` integer,
	`result` text
);
--> statement-breakpoint
CREATE INDEX `queue_jobs_fetch_idx` ON `queue_jobs` (`queue`,`state`,`run_at`);--> statement-breakpoint
CREATE INDEX `queue_jobs_state_idx` ON `queue_jobs` (`state`);--> statement-breakpoint
CREATE INDEX `queue_jobs_finished_idx` ON `queue_jobs` (`state`,`finished_at`) WHERE finished_at IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `queue_jobs_unique_hold_unique` ON `queue_jobs` (`unique_hold`) WHERE unique_hold IS NOT NULL;--> statement-breakpoint
CREATE INDEX `queue_jobs_failed_idx` ON `queue_jobs` (`last_failed_at`) WHERE last_failed_at IS NOT NULL;