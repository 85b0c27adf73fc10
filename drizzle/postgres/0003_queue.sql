CREATE TABLE "queue_jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"queue" text NOT NULL,
	"payload" jsonb NOT NULL,
	"state" text NOT NULL,
	"attempts" bigint DEFAULT 0 NOT NULL,
	"failures" bigint DEFAULT 0 NOT NULL,
	"max_retries" bigint NOT NULL,
	"timeout_seconds" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	"run_at" bigint NOT NULL,
	"started_at" bigint,
	"finished_at" bigint,
	"unique_key" text,
	"unique_hold" text,
	"unique_until" bigint,
	"worker_id" text,
	"errors" jsonb,
	"last_failed_at" bigint,
	"result" jsonb
);
--> statement-breakpoint
CREATE INDEX "queue_jobs_fetch_idx" ON "queue_jobs" USING btree ("queue","state","run_at");--> statement-breakpoint
CREATE INDEX "queue_jobs_state_idx" ON "queue_jobs" USING btree ("state");--> statement-breakpoint
CREATE INDEX "queue_jobs_finished_idx" ON "queue_jobs" USING btree ("state","finished_at") WHERE finished_at IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "queue_jobs_unique_hold_unique" ON "queue_jobs" USING btree ("unique_hold") WHERE unique_hold IS NOT NULL;--> statement-breakpoint
CREATE INDEX "queue_jobs_failed_idx" ON "queue_jobs" USING btree ("last_failed_at") WHERE last_failed_at IS NOT NULL;