CREATE TABLE "archived_months" (
	"month" text NOT NULL,
	"table_name" text NOT NULL,
	"rows" bigint NOT NULL,
	"file" text NOT NULL,
	"sha256" text NOT NULL,
	"bytes" bigint NOT NULL,
	"archived_at" bigint NOT NULL,
	CONSTRAINT "archived_months_month_table_name_pk" PRIMARY KEY("month","table_name")
);
