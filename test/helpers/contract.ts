// The JSON contract, checked on real output: a command's --json document against its schema (every field
// declared, none left over), keys in snake_case, times in ISO 8601 UTC.
import {isDeepStrictEqual} from 'node:util'

import {COMMAND_RESULTS, type CommandId} from '../../src/schemas/commands.js'

/** Maps whose keys are data (rejection reasons, phase names, job types such as system:canary), not field names. */
const DATA_KEYED = new Set(['rejected_by_reason', 'timings_ms', 'per_type'])
const SNAKE = /^[a-z][a-z0-9_]*$/
const UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/
const TIME_KEY = /(_at|_since|^since|^until|^timestamp|^next_runs?|^valid_from|^valid_to)$/

/** Keys that are not snake_case, and time fields that are not ISO 8601 UTC strings (or null), with their paths. */
export function styleProblems(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, k) => styleProblems(item, `${path}[${k}]`))
  if (value === null || typeof value !== 'object') return []
  const problems: string[] = []
  for (const [key, field] of Object.entries(value)) {
    const at = `${path}.${key}`
    if (!SNAKE.test(key)) problems.push(`${at}: key is not snake_case`)
    if (TIME_KEY.test(key)) {
      const times = Array.isArray(field) ? field : [field]
      for (const t of times) if (t !== null && !(typeof t === 'string' && UTC.test(t))) problems.push(`${at}: ${JSON.stringify(t)} is not an ISO 8601 UTC time`)
    }
    if (!DATA_KEYED.has(key)) problems.push(...styleProblems(field, at))
  }
  return problems
}

/** What keeps `document` from being exactly what the command's schema declares: [] when it conforms. */
export function contractProblems(id: CommandId, document: unknown): string[] {
  const {schema} = COMMAND_RESULTS[id]
  const parsed = schema.safeParse(document)
  if (!parsed.success) return parsed.error.issues.map((issue) => `${id}: $.${issue.path.join('.')}: ${issue.message}`)
  const problems = id === 'schema' ? [] : styleProblems(document).map((p) => `${id}: ${p}`)
  // Parsing drops what the schema does not declare: anything dropped is a field the schema is missing.
  if (!isDeepStrictEqual(parsed.data, document)) problems.push(`${id}: fields the schema does not declare: ${undeclared(document, parsed.data).join(', ')}`)
  return problems
}

function undeclared(document: unknown, kept: unknown, path = '$'): string[] {
  if (Array.isArray(document)) return document.flatMap((item, k) => undeclared(item, (kept as unknown[])?.[k], `${path}[${k}]`))
  if (document === null || typeof document !== 'object') return []
  return Object.entries(document).flatMap(([key, field]) => {
    const keptObject = kept as Record<string, unknown> | undefined
    if (!keptObject || !(key in keptObject)) return [`${path}.${key}`]
    return undeclared(field, keptObject[key], `${path}.${key}`)
  })
}
