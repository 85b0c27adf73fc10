ALTER TABLE "job_runs" ADD COLUMN "error_stack" text;--> statement-breakpoint
CREATE INDEX "job_runs_started_idx" ON "job_runs" USING btree ("started_at","id");--> statement-breakpoint
CREATE INDEX "job_runs_status_started_idx" ON "job_runs" USING btree ("status","started_at","id");--> statement-breakpoint
CREATE INDEX "job_runs_trigger_started_idx" ON "job_runs" USING btree ("trigger","started_at","id");