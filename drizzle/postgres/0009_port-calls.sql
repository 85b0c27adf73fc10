CREATE TABLE "port_calls" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"mmsi" bigint NOT NULL,
	"port_id" bigint NOT NULL,
	"arrived_at" bigint NOT NULL,
	"departed_at" bigint,
	"last_at" bigint NOT NULL,
	"berthed_at" bigint,
	"anchorage_ms" bigint DEFAULT 0 NOT NULL,
	"berth_ms" bigint DEFAULT 0 NOT NULL,
	"stops" bigint DEFAULT 0 NOT NULL,
	"gaps" bigint DEFAULT 0 NOT NULL,
	"is_call" boolean,
	"entry_lat" double precision NOT NULL,
	"entry_lon" double precision NOT NULL,
	"stop_place" text,
	"source" text NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "port_calls" ADD CONSTRAINT "port_calls_port_id_ports_id_fk" FOREIGN KEY ("port_id") REFERENCES "public"."ports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "port_calls_vessel_arrived_unique" ON "port_calls" USING btree ("mmsi","arrived_at");--> statement-breakpoint
CREATE UNIQUE INDEX "port_calls_open_unique" ON "port_calls" USING btree ("mmsi") WHERE departed_at IS NULL;--> statement-breakpoint
CREATE INDEX "port_calls_port_arrived_idx" ON "port_calls" USING btree ("port_id","arrived_at");--> statement-breakpoint
CREATE INDEX "port_calls_departed_idx" ON "port_calls" USING btree ("departed_at");