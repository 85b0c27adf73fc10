// What the API's answers share, as zod schemas that are both the contract and the TypeScript types: UTC
// times, the one error body, and the provenance every dataset carries.
import {z} from 'zod'

import {dataSource, utcTime} from '../../schemas/common.js'

/** ISO 8601 in UTC (`…Z`): an answer holding any other time form fails to serialize. */
export {utcTime}

export const errorBodySchema = z.object({
  error: z.object({
    message: z.string(),
    /** The request field at fault. */
    field: z.string().optional(),
    /** Who holds the lease (409). */
    holder: z.string().optional(),
  }),
})
export type ErrorBody = z.infer<typeof errorBodySchema>

export function errorBody(message: string, extra: {field?: string; holder?: string} = {}): ErrorBody {
  return {error: {message, ...(extra.field ? {field: extra.field} : {}), ...(extra.holder ? {holder: extra.holder} : {})}}
}

/** Where a dataset came from and when it was observed. */
export const provenanceSchema = z.object({
  source: dataSource,
  observed_at: utcTime.nullable(),
  age_seconds: z.number().nullable().optional(),
  /** Why a fallback answered. */
  reason: z.string().optional(),
})

/** A page of a list: which page, its size and how many match in all. */
export const pageQuery = {
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(500).default(50),
}
