DROP INDEX `alert_events_open_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `alert_events_open_unique` ON `alert_events` (`alert_id`,`target`) WHERE NOT is_resolved;