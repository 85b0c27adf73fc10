-- Hand-written (drizzle-kit generate --custom): row counts kept by triggers for the tables health counts.
-- Regenerating migrations from the schema does not recreate this file; keep it after the table-rows migration.
-- One statement-level trigger per table and operation: a bulk insert or delete updates the count once, by
-- the rows its transition table holds, inside the writing transaction.
INSERT INTO "table_rows" ("table_name", "row_count") SELECT 'ports', count(*) FROM "ports";
--> statement-breakpoint
INSERT INTO "table_rows" ("table_name", "row_count") SELECT 'vessels', count(*) FROM "vessels";
--> statement-breakpoint
INSERT INTO "table_rows" ("table_name", "row_count") SELECT 'safety_events', count(*) FROM "safety_events";
--> statement-breakpoint
INSERT INTO "table_rows" ("table_name", "row_count") SELECT 'notifications', count(*) FROM "notifications";
--> statement-breakpoint
CREATE FUNCTION table_rows_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "table_rows" SET "row_count" = "row_count" + (SELECT count(*) FROM inserted_rows) WHERE "table_name" = TG_TABLE_NAME;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION table_rows_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "table_rows" SET "row_count" = "row_count" - (SELECT count(*) FROM deleted_rows) WHERE "table_name" = TG_TABLE_NAME;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "table_rows_ports_insert" AFTER INSERT ON "ports" REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION table_rows_inserted();
--> statement-breakpoint
CREATE TRIGGER "table_rows_ports_delete" AFTER DELETE ON "ports" REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION table_rows_deleted();
--> statement-breakpoint
CREATE TRIGGER "table_rows_vessels_insert" AFTER INSERT ON "vessels" REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION table_rows_inserted();
--> statement-breakpoint
CREATE TRIGGER "table_rows_vessels_delete" AFTER DELETE ON "vessels" REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION table_rows_deleted();
--> statement-breakpoint
CREATE TRIGGER "table_rows_safety_events_insert" AFTER INSERT ON "safety_events" REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION table_rows_inserted();
--> statement-breakpoint
CREATE TRIGGER "table_rows_safety_events_delete" AFTER DELETE ON "safety_events" REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION table_rows_deleted();
--> statement-breakpoint
CREATE TRIGGER "table_rows_notifications_insert" AFTER INSERT ON "notifications" REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION table_rows_inserted();
--> statement-breakpoint
CREATE TRIGGER "table_rows_notifications_delete" AFTER DELETE ON "notifications" REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION table_rows_deleted();
