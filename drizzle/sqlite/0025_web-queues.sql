CREATE TABLE `queue_depths` (
	`queue` text NOT NULL,
	`state` text NOT NULL,
	`failed` integer NOT NULL,
	`jobs` integer NOT NULL,
	PRIMARY KEY(`queue`, `state`, `failed`)
);
--> statement-breakpoint
DROP INDEX `queue_jobs_fetch_idx`;--> statement-breakpoint
CREATE INDEX `queue_jobs_listing_idx` ON `queue_jobs` (`queue`,`state`,`created_at`);--> statement-breakpoint
CREATE INDEX `queue_jobs_fetch_idx` ON `queue_jobs` (`queue`,`state`,`run_at`,`failures`);