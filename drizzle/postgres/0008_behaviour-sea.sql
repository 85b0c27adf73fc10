CREATE TABLE "behaviour_episodes" (
	"kind" text NOT NULL,
	"mmsi" bigint NOT NULL,
	"other_mmsi" bigint NOT NULL,
	"started_at" bigint NOT NULL,
	"last_at" bigint NOT NULL,
	"state" jsonb NOT NULL,
	CONSTRAINT "behaviour_episodes_kind_mmsi_other_mmsi_pk" PRIMARY KEY("kind","mmsi","other_mmsi")
);
--> statement-breakpoint
CREATE TABLE "discarded_positions" (
	"mmsi" bigint NOT NULL,
	"observed_at" bigint NOT NULL,
	"lat" double precision NOT NULL,
	"lon" double precision NOT NULL,
	"sog" double precision,
	"cog" double precision,
	"heading" bigint,
	"nav_status" bigint,
	"utc_second" bigint,
	"source" text NOT NULL,
	"received_at" bigint NOT NULL,
	CONSTRAINT "discarded_positions_mmsi_observed_at_pk" PRIMARY KEY("mmsi","observed_at")
);
--> statement-breakpoint
CREATE INDEX "discarded_positions_observed_idx" ON "discarded_positions" USING btree ("observed_at");