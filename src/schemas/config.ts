// `config check` (and `alert-worker --config-check`): every setting as resolved, and the database checks.
import {z} from 'zod'

import {count} from './common.js'

export const settingReport = z.object({
  env: z.string().describe('the environment variable that sets it'),
  value: z.union([z.string(), z.number()]).optional().describe('as resolved (credentials masked as ********); absent when unset'),
  from: z.enum(['flag', 'environment', 'file', 'default', 'unset']),
  secret: z.literal(true).optional().describe('a credential: its value is never shown'),
  problem: z.string().optional(),
})
export type SettingReport = z.infer<typeof settingReport>

export const systemCheck = z.object({
  ok: z.boolean().describe('exit 0 when true, 2 otherwise'),
  settings: z.record(z.string().regex(/^[a-z0-9_]+$/), settingReport).describe('every setting by its name (as harbormaster.config.json takes it)'),
  problems: z.array(z.string()).describe('each bad setting (as ENV: problem, in the order of settings), then the problems of no single setting'),
  database: z.object({
    path: z.string(),
    ok: z.boolean(),
    migrations_applied: count.optional(),
    migrations_total: count.optional(),
    missing_tables: z.array(z.string()).optional(),
    problem: z.string().optional(),
    hint: z.string().optional(),
  }),
})
export type SystemCheck = z.infer<typeof systemCheck>
