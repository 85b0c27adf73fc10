CREATE TABLE "vessel_findings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"mmsi" bigint NOT NULL,
	"check" text NOT NULL,
	"kind" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"severity" text NOT NULL,
	"title" text NOT NULL,
	"detail" jsonb NOT NULL,
	"observed_at" bigint,
	"first_seen_at" bigint NOT NULL,
	"last_seen_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vessel_identity_values" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"mmsi" bigint NOT NULL,
	"field" text NOT NULL,
	"value" text NOT NULL,
	"first_seen_at" bigint NOT NULL,
	"last_seen_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "job_run_id" bigint;--> statement-breakpoint
CREATE UNIQUE INDEX "vessel_findings_dedupe_unique" ON "vessel_findings" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "vessel_findings_mmsi_idx" ON "vessel_findings" USING btree ("mmsi");--> statement-breakpoint
CREATE UNIQUE INDEX "vessel_identity_values_unique" ON "vessel_identity_values" USING btree ("mmsi","field","value");--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_job_run_id_job_runs_id_fk" FOREIGN KEY ("job_run_id") REFERENCES "public"."job_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_user_job_run_channel_unique" ON "notifications" USING btree ("user_id","job_run_id","channel");