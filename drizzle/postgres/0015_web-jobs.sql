ALTER TABLE "job_runs" ADD COLUMN "error_stack" text;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "trigger_kind" text;--> statement-breakpoint
UPDATE "job_runs" SET "trigger_kind" = split_part("trigger", ' ', 1);--> statement-breakpoint
CREATE INDEX "job_runs_started_idx" ON "job_runs" USING btree ("started_at","id");--> statement-breakpoint
CREATE INDEX "job_runs_status_started_idx" ON "job_runs" USING btree ("status","started_at","id");--> statement-breakpoint
CREATE INDEX "job_runs_trigger_kind_started_idx" ON "job_runs" USING btree ("trigger_kind","started_at","id");--> statement-breakpoint
CREATE INDEX "job_runs_job_status_started_idx" ON "job_runs" USING btree ("job","status","started_at","id");--> statement-breakpoint
CREATE INDEX "job_runs_job_trigger_kind_started_idx" ON "job_runs" USING btree ("job","trigger_kind","started_at","id");