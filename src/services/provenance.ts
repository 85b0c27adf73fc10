// Where data came from, from best to worst: what a mix of sources is labelled, and what may notify people.
import type {DataSource} from './db/schema.js'

const rank: Record<DataSource, number> = {live: 0, cached: 1, fallback: 2, simulated: 3, emergency: 4}

/** The label a result made from several sources carries: the least trustworthy of them. */
export function worstSource(sources: Iterable<DataSource>): DataSource {
  let worst: DataSource = 'live'
  let any = false
  for (const s of sources) {
    any = true
    if (rank[s] > rank[worst]) worst = s
  }
  return any ? worst : 'fallback'
}

/** Only events derived from live or cached data notify anyone: a storm from a shipped capture is not a storm today. */
export function mayNotify(source: DataSource): boolean {
  return source === 'live' || source === 'cached'
}
