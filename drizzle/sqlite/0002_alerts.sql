CREATE TABLE `alert_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`alert_id` integer NOT NULL,
	`target` text NOT NULL,
	`triggered_at` integer NOT NULL,
	`current_value` real NOT NULL,
	`threshold_value` real NOT NULL,
	`operator` text NOT NULL,
	`metric` text NOT NULL,
	`is_resolved` integer DEFAULT false NOT NULL,
	`resolved_at` integer,
	`resolution_value` real,
	`metadata` text,
	FOREIGN KEY (`alert_id`) REFERENCES `alert_rules`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_events_open_unique` ON `alert_events` (`alert_id`,`target`) WHERE is_resolved = 0;--> statement-breakpoint
CREATE INDEX `alert_events_triggered_idx` ON `alert_events` (`triggered_at`);--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text,
	`metric` text NOT NULL,
	`target_kind` text NOT NULL,
	`target_id` text,
	`operator` text NOT NULL,
	`threshold` real NOT NULL,
	`severity` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`freshness_seconds` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alert_rules_metric_idx` ON `alert_rules` (`metric`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`event_id` integer,
	`alert_event_id` integer,
	`channel` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`event_id`) REFERENCES `safety_events`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`alert_event_id`) REFERENCES `alert_events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_notifications`("id", "user_id", "event_id", "alert_event_id", "channel", "status", "attempts", "last_error", "created_at", "delivered_at") SELECT "id", "user_id", "event_id", NULL, "channel", "status", "attempts", "last_error", "created_at", "delivered_at" FROM `notifications`;--> statement-breakpoint
DROP TABLE `notifications`;--> statement-breakpoint
ALTER TABLE `__new_notifications` RENAME TO `notifications`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_user_event_channel_unique` ON `notifications` (`user_id`,`event_id`,`channel`);--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_user_alert_event_channel_unique` ON `notifications` (`user_id`,`alert_event_id`,`channel`);--> statement-breakpoint
CREATE INDEX `notifications_created_idx` ON `notifications` (`created_at`);