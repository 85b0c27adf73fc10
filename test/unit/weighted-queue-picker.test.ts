// The worker's choice of queue: smooth weighted round-robin gives each queue exactly its weight's share of
// picks, spread out; strict priority always the heaviest queue with jobs; queues without jobs are left out.
import {describe, expect, it} from 'vitest'

import {WeightedQueuePicker} from '../../src/services/queue/worker.js'
import {QUEUE_NAMES, type QueueName} from '../../src/services/queue/types.js'

const tally = (picks: QueueName[]) => Object.fromEntries(QUEUE_NAMES.map((q) => [q, picks.filter((p) => p === q).length]))

describe('WeightedQueuePicker', () => {
  it('gives 6, 2, 1 and 1 of every 10 picks to critical, analysis, compliance and default, interleaved', () => {
    const picker = new WeightedQueuePicker({critical: 6, analysis: 2, compliance: 1, default: 1})
    const picks = Array.from({length: 1000}, () => picker.pick(QUEUE_NAMES) as QueueName)
    expect(tally(picks)).toEqual({critical: 600, analysis: 200, compliance: 100, default: 100})
    for (let i = 0; i < 1000; i += 10) expect(tally(picks.slice(i, i + 10))).toEqual({critical: 6, analysis: 2, compliance: 1, default: 1})
    // Spread out: critical never takes more than 3 picks in a row, so the light queues are not starved in bursts.
    const longestRun = picks.reduce((acc, q, i) => {
      const run = i > 0 && picks[i - 1] === q ? acc.run + 1 : 1
      return {run, longest: q === 'critical' ? Math.max(acc.longest, run) : acc.longest}
    }, {run: 0, longest: 0}).longest
    expect(longestRun).toBeLessThanOrEqual(3)
  })

  it('shares among the queues that have jobs, by their weights', () => {
    const picker = new WeightedQueuePicker({critical: 6, analysis: 2, compliance: 1, default: 1})
    const picks = Array.from({length: 300}, () => picker.pick(['analysis', 'default']) as QueueName)
    expect(tally(picks)).toEqual({critical: 0, analysis: 200, compliance: 0, default: 100})
    expect(picker.pick([])).toBeUndefined()
  })

  it('strict priority: always the heaviest queue offered, the first listed among equals', () => {
    const picker = new WeightedQueuePicker({critical: 6, analysis: 2, compliance: 1, default: 1}, true)
    expect(picker.pick(QUEUE_NAMES)).toBe('critical')
    expect(picker.pick(['default', 'analysis', 'compliance'])).toBe('analysis')
    expect(picker.pick(['compliance', 'default'])).toBe('compliance')
    expect(picker.pick(['default'])).toBe('default')
  })
})
