// The identity rules by themselves: IMO numbers' check digit against real ships' numbers (and the same
// numbers one digit off), what an MMSI's digits say it is, and tracks split and judged for two places at once.
import {describe, expect, it} from 'vitest'

import type {TrackReport} from '../../src/services/db/vessels.js'
import {imoCheckDigitValid, mmsiForm, splitTracks, twoPlacesAtOnce} from '../../src/services/vessels/identity.js'

describe('IMO check digit', () => {
  // Numbers heard in the shipped and test captures (BLUE HORIZON, LADY RINA, CHRYSOPIGI, EVER DIADEM, RUTH THERESA) and well-known ships (EVER GIVEN, QUEEN MARY 2).
  const real = [8616336, 9631383, 9303728, 9134270, 9383663, 9811000, 9241061]
  it('accepts real ships’ numbers', () => {
    for (const imo of real) expect(imoCheckDigitValid(imo), String(imo)).toBe(true)
  })
  it('refuses each of them with its check digit off by one, and anything that is not seven digits', () => {
    for (const imo of real) expect(imoCheckDigitValid(imo - (imo % 10) + (((imo % 10) + 1) % 10)), String(imo)).toBe(false)
    for (const bad of [0, 123456, 10_000_000, 9811000.5, -9811000]) expect(imoCheckDigitValid(bad), String(bad)).toBe(false)
  })
})

describe('MMSI form', () => {
  it('tells ships from stations, groups, aircraft, aids to navigation and distress devices', () => {
    expect(mmsiForm(239575000)).toBe('ship')
    expect(mmsiForm(2579999)).toBe('coast-station')
    expect(mmsiForm(22222222)).toBe('group')
    expect(mmsiForm(111232506)).toBe('sar-aircraft')
    expect(mmsiForm(992351234)).toBe('aid-to-navigation')
    expect(mmsiForm(970012345)).toBe('distress-device')
    expect(mmsiForm(982351234)).toBe('craft-associated')
    // MIDs outside 201-775 are allocated to no ship station.
    for (const bad of [200000000, 776000000, 800000000, 1_000_000_000, -1]) expect(mmsiForm(bad), String(bad)).toBe('invalid')
  })
})

describe('two places at once', () => {
  const report = (at: number, lat: number, lon: number): TrackReport => ({at, lat, lon, sog: 0, nav: 0, second: 0, held: false})
  // Piraeus and Eleusis, 48 km apart.
  const piraeus = (at: number) => report(at, 37.9459, 23.6368)
  const eleusis = (at: number) => report(at, 37.9159, 23.086)
  it('splits interleaved reports into the tracks a ship could sail and finds them apart', () => {
    const reports = [piraeus(0), eleusis(10_000), piraeus(20_000), eleusis(30_000), piraeus(40_000)]
    expect(splitTracks(reports).map((t) => t.reports.length)).toEqual([3, 2])
    const found = twoPlacesAtOnce(reports)
    expect(found?.km).toBeGreaterThan(45)
    expect(found?.at).toBe(10_000)
  })
  it('is not fooled by one voyage, a single stray report, or a ship that moved on for good', () => {
    expect(twoPlacesAtOnce([piraeus(0), piraeus(60_000), piraeus(120_000)])).toBeNull()
    expect(twoPlacesAtOnce([piraeus(0), eleusis(10_000), piraeus(20_000)])).toBeNull()
    // Two hours at 13 kn from Eleusis to Piraeus is a voyage, not two places.
    expect(twoPlacesAtOnce([eleusis(0), eleusis(60_000), piraeus(7_200_000), piraeus(7_260_000)])).toBeNull()
    // Gone from one place, heard in the other 10 min later (too fast, but not at once): one track that jumped.
    expect(twoPlacesAtOnce([eleusis(0), eleusis(60_000), piraeus(660_000), piraeus(720_000)])).toBeNull()
  })
})
