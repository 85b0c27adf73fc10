CREATE TABLE `provider_usage_months` (
	`provider` text NOT NULL,
	`month_start` integer NOT NULL,
	`requests` integer NOT NULL,
	`windows` integer NOT NULL,
	`peak_window_requests` integer NOT NULL,
	`quota_limit` integer,
	`quota_window` text,
	`closed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `provider_usage_months_provider_month_unique` ON `provider_usage_months` (`provider`,`month_start`);--> statement-breakpoint
ALTER TABLE `provider_state` ADD `quota_state` text;--> statement-breakpoint
ALTER TABLE `provider_state` ADD `quota_window_start` integer;--> statement-breakpoint
ALTER TABLE `provider_state` ADD `quota_resets_at` integer;--> statement-breakpoint
ALTER TABLE `provider_state` ADD `quota_used` integer;--> statement-breakpoint
ALTER TABLE `provider_state` ADD `quota_limit` integer;--> statement-breakpoint
ALTER TABLE `provider_state` ADD `quota_failover_since` integer;