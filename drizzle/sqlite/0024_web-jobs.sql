ALTER TABLE `job_runs` ADD `error_stack` text;--> statement-breakpoint
ALTER TABLE `job_runs` ADD `trigger_kind` text;--> statement-breakpoint
UPDATE `job_runs` SET `trigger_kind` = CASE WHEN instr(`trigger`, ' ') > 0 THEN substr(`trigger`, 1, instr(`trigger`, ' ') - 1) ELSE `trigger` END;--> statement-breakpoint
CREATE INDEX `job_runs_started_idx` ON `job_runs` (`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `job_runs_status_started_idx` ON `job_runs` (`status`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `job_runs_trigger_kind_started_idx` ON `job_runs` (`trigger_kind`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `job_runs_job_status_started_idx` ON `job_runs` (`job`,`status`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `job_runs_job_trigger_kind_started_idx` ON `job_runs` (`job`,`trigger_kind`,`started_at`,`id`);