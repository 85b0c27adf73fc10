CREATE TABLE `table_rows` (
	`table_name` text PRIMARY KEY NOT NULL,
	`row_count` integer NOT NULL
);
