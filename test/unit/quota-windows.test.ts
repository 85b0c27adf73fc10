// Quota windows (UTC, a month being the calendar month) and the one place the thresholds turn a count into a state.
import {describe, expect, it} from 'vitest'

import {quotaStateOf, quotaWindowOf} from '../../src/services/providers/usage.js'

const t = (iso: string) => Date.parse(iso)

describe('quota windows', () => {
  it('a month runs from the 1st 00:00 UTC to the next 1st, across the year end and February', () => {
    expect(quotaWindowOf('month', t('2026-12-31T23:59:59.999Z'))).toEqual({start: t('2026-12-01T00:00:00Z'), end: t('2027-01-01T00:00:00Z')})
    expect(quotaWindowOf('month', t('2028-02-29T12:00:00Z'))).toEqual({start: t('2028-02-01T00:00:00Z'), end: t('2028-03-01T00:00:00Z')})
    expect(quotaWindowOf('month', t('2026-11-01T00:00:00Z')).start).toBe(t('2026-11-01T00:00:00Z'))
  })

  it('minute, hour and day windows start on their boundary', () => {
    expect(quotaWindowOf('day', t('2026-11-24T12:34:56Z'))).toEqual({start: t('2026-11-24T00:00:00Z'), end: t('2026-11-25T00:00:00Z')})
    expect(quotaWindowOf('hour', t('2026-11-24T12:34:56Z')).start).toBe(t('2026-11-24T12:00:00Z'))
    expect(quotaWindowOf('minute', t('2026-11-24T12:34:56Z')).end).toBe(t('2026-11-24T12:35:00Z'))
  })

  it('80 % warns, 95 % switches, 100 % blocks, each from exactly its threshold', () => {
    expect([79, 80, 94, 95, 99, 100, 120].map((used) => quotaStateOf(used, 100))).toEqual(['ok', 'warn', 'warn', 'switch', 'switch', 'blocked', 'blocked'])
    expect([15, 16, 18, 19, 20].map((used) => quotaStateOf(used, 20))).toEqual(['ok', 'warn', 'warn', 'switch', 'blocked'])
  })
})
