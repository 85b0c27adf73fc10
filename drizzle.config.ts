// drizzle-kit configuration: `npm run db:generate` writes SQL migrations for schema changes, for SQLite into
// drizzle/sqlite (the default) and, with DRIZZLE_DIALECT=postgres (`npm run db:generate:pg`), for
// PostgreSQL into drizzle/postgres. Both schemas are built from src/services/db/tables.ts.
import {defineConfig} from 'drizzle-kit'

export default process.env.DRIZZLE_DIALECT === 'postgres'
  ? defineConfig({dialect: 'postgresql', schema: './src/services/db/schema-pg.ts', out: './drizzle/postgres'})
  : defineConfig({dialect: 'sqlite', schema: './src/services/db/schema.ts', out: './drizzle/sqlite'})
