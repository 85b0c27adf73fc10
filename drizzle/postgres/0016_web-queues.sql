CREATE TABLE "queue_depths" (
	"queue" text NOT NULL,
	"state" text NOT NULL,
	"failed" bigint NOT NULL,
	"jobs" bigint NOT NULL,
	CONSTRAINT "queue_depths_queue_state_failed_pk" PRIMARY KEY("queue","state","failed")
);
--> statement-breakpoint
DROP INDEX "queue_jobs_fetch_idx";--> statement-breakpoint
CREATE INDEX "queue_jobs_listing_idx" ON "queue_jobs" USING btree ("queue","state","created_at");--> statement-breakpoint
CREATE INDEX "queue_jobs_fetch_idx" ON "queue_jobs" USING btree ("queue","state","run_at","failures");