CREATE TABLE "provider_probes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"target" text NOT NULL,
	"probed_at" bigint NOT NULL,
	"status" text NOT NULL,
	"response_ms" double precision,
	"error" text,
	"detail" text
);
--> statement-breakpoint
CREATE INDEX "provider_probes_target_probed_idx" ON "provider_probes" USING btree ("target","probed_at");--> statement-breakpoint
CREATE INDEX "provider_probes_probed_idx" ON "provider_probes" USING btree ("probed_at");