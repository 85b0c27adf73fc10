CREATE TABLE "queue_workers" (
	"id" text PRIMARY KEY NOT NULL,
	"host" text NOT NULL,
	"pid" bigint NOT NULL,
	"queues" jsonb NOT NULL,
	"strict" boolean DEFAULT false NOT NULL,
	"concurrency" bigint NOT NULL,
	"scheduler" boolean DEFAULT false NOT NULL,
	"started_at" bigint NOT NULL,
	"heartbeat_at" bigint NOT NULL,
	"stopped_at" bigint,
	"current_jobs" jsonb NOT NULL,
	"processed" bigint DEFAULT 0 NOT NULL,
	"failed" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX "queue_workers_heartbeat_idx" ON "queue_workers" USING btree ("heartbeat_at");