CREATE TABLE "provider_usage_months" (
	"provider" text NOT NULL,
	"month_start" bigint NOT NULL,
	"requests" bigint NOT NULL,
	"windows" bigint NOT NULL,
	"peak_window_requests" bigint NOT NULL,
	"quota_limit" bigint,
	"quota_window" text,
	"closed_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "provider_state" ADD COLUMN "quota_state" text;--> statement-breakpoint
ALTER TABLE "provider_state" ADD COLUMN "quota_window_start" bigint;--> statement-breakpoint
ALTER TABLE "provider_state" ADD COLUMN "quota_resets_at" bigint;--> statement-breakpoint
ALTER TABLE "provider_state" ADD COLUMN "quota_used" bigint;--> statement-breakpoint
ALTER TABLE "provider_state" ADD COLUMN "quota_limit" bigint;--> statement-breakpoint
ALTER TABLE "provider_state" ADD COLUMN "quota_failover_since" bigint;--> statement-breakpoint
CREATE UNIQUE INDEX "provider_usage_months_provider_month_unique" ON "provider_usage_months" USING btree ("provider","month_start");