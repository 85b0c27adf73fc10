ALTER TABLE `job_runs` ADD `error_stack` text;--> statement-breakpoint
CREATE INDEX `job_runs_started_idx` ON `job_runs` (`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `job_runs_status_started_idx` ON `job_runs` (`status`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `job_runs_trigger_started_idx` ON `job_runs` (`trigger`,`started_at`,`id`);