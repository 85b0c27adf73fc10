CREATE TABLE `queue_workers` (
	`id` text PRIMARY KEY NOT NULL,
	`host` text NOT NULL,
	`pid` integer NOT NULL,
	`queues` text NOT NULL,
	`strict` integer DEFAULT false NOT NULL,
	`concurrency` integer NOT NULL,
	`scheduler` integer DEFAULT false NOT NULL,
	`started_at` integer NOT NULL,
	`heartbeat_at` integer NOT NULL,
	`stopped_at` integer,
	`current_jobs` text NOT NULL,
	`processed` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `queue_workers_heartbeat_idx` ON `queue_workers` (`heartbeat_at`);