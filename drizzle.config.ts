// drizzle-kit configuration: `npm run db:generate` writes SQL migrations for schema changes into drizzle/.
import {defineConfig} from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/services/db/schema.ts',
  out: './drizzle',
})
