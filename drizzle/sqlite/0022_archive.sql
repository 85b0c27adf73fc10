CREATE TABLE `archived_months` (
	`month` text NOT NULL,
	`table_name` text NOT NULL,
	`rows` integer NOT NULL,
	`file` text NOT NULL,
	`sha256` text NOT NULL,
	`bytes` integer NOT NULL,
	`archived_at` integer NOT NULL,
	PRIMARY KEY(`month`, `table_name`)
);
