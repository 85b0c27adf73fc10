DROP INDEX "vessels_position_at_idx";--> statement-breakpoint
CREATE INDEX "vessels_position_at_idx" ON "vessels" USING btree ("position_at","sog");