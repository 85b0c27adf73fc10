ALTER TABLE `vessel_positions` ADD `utc_second` integer;--> statement-breakpoint
ALTER TABLE `vessels` ADD `utc_second` integer;