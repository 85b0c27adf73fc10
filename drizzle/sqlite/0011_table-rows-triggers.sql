-- Hand-written (drizzle-kit generate --custom): row counts kept by triggers for the tables health counts.
-- Regenerating migrations from schema.ts does not recreate this file; keep it after the table-rows migration.
-- Inserted rows add one and deleted rows (cascades included) take one away, inside the writing transaction.
INSERT INTO `table_rows` (`table_name`, `row_count`) SELECT 'ports', count(*) FROM `ports`;
--> statement-breakpoint
INSERT INTO `table_rows` (`table_name`, `row_count`) SELECT 'vessels', count(*) FROM `vessels`;
--> statement-breakpoint
INSERT INTO `table_rows` (`table_name`, `row_count`) SELECT 'safety_events', count(*) FROM `safety_events`;
--> statement-breakpoint
INSERT INTO `table_rows` (`table_name`, `row_count`) SELECT 'notifications', count(*) FROM `notifications`;
--> statement-breakpoint
CREATE TRIGGER `table_rows_ports_insert` AFTER INSERT ON `ports` BEGIN UPDATE `table_rows` SET `row_count` = `row_count` + 1 WHERE `table_name` = 'ports'; END;
--> statement-breakpoint
CREATE TRIGGER `table_rows_ports_delete` AFTER DELETE ON `ports` BEGIN UPDATE `table_rows` SET `row_count` = `row_count` - 1 WHERE `table_name` = 'ports'; END;
--> statement-breakpoint
CREATE TRIGGER `table_rows_vessels_insert` AFTER INSERT ON `vessels` BEGIN UPDATE `table_rows` SET `row_count` = `row_count` + 1 WHERE `table_name` = 'vessels'; END;
--> statement-breakpoint
CREATE TRIGGER `table_rows_vessels_delete` AFTER DELETE ON `vessels` BEGIN UPDATE `table_rows` SET `row_count` = `row_count` - 1 WHERE `table_name` = 'vessels'; END;
--> statement-breakpoint
CREATE TRIGGER `table_rows_safety_events_insert` AFTER INSERT ON `safety_events` BEGIN UPDATE `table_rows` SET `row_count` = `row_count` + 1 WHERE `table_name` = 'safety_events'; END;
--> statement-breakpoint
CREATE TRIGGER `table_rows_safety_events_delete` AFTER DELETE ON `safety_events` BEGIN UPDATE `table_rows` SET `row_count` = `row_count` - 1 WHERE `table_name` = 'safety_events'; END;
--> statement-breakpoint
CREATE TRIGGER `table_rows_notifications_insert` AFTER INSERT ON `notifications` BEGIN UPDATE `table_rows` SET `row_count` = `row_count` + 1 WHERE `table_name` = 'notifications'; END;
--> statement-breakpoint
CREATE TRIGGER `table_rows_notifications_delete` AFTER DELETE ON `notifications` BEGIN UPDATE `table_rows` SET `row_count` = `row_count` - 1 WHERE `table_name` = 'notifications'; END;
