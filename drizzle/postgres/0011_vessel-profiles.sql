CREATE TABLE "vessel_profiles" (
	"mmsi" bigint PRIMARY KEY NOT NULL,
	"computed_at" bigint NOT NULL,
	"window_start" bigint NOT NULL,
	"positions_24h" bigint NOT NULL,
	"positions" bigint NOT NULL,
	"distance_nm" double precision NOT NULL,
	"days_heard" bigint NOT NULL,
	"first_heard_at" bigint,
	"last_heard_at" bigint,
	"identity" jsonb NOT NULL,
	"usual_ports" jsonb NOT NULL,
	"last_port_call" jsonb,
	"events_by_type" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "safety_events_mmsi_observed_idx" ON "safety_events" USING btree ("mmsi","observed_at");