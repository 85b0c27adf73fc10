// A vessel's track as a GeoJSON line: cut where it crosses the antimeridian, either way, as often as it does.
import {expect, it} from 'vitest'

import {lineAcrossAntimeridian} from '../../src/services/geo/line.js'

it('is one LineString while the track stays on one side, and nothing with fewer than two positions', () => {
  expect(lineAcrossAntimeridian([])).toBeNull()
  expect(lineAcrossAntimeridian([[10, 20]])).toBeNull()
  expect(lineAcrossAntimeridian([[179, 0], [170, 1]])).toEqual({type: 'LineString', coordinates: [[179, 0], [170, 1]]})
  // 100°W to 100°E the long way round through 0°: no crossing of ±180.
  expect(lineAcrossAntimeridian([[-100, 0], [0, 0], [100, 0]])?.type).toBe('LineString')
})

it('cuts an eastward and a westward crossing at ±180, the latitude there interpolated', () => {
  expect(lineAcrossAntimeridian([[179, 10], [-179, 12]])).toEqual({
    type: 'MultiLineString',
    coordinates: [
      [[179, 10], [180, 11]],
      [[-180, 11], [-179, 12]],
    ],
  })
  expect(lineAcrossAntimeridian([[-179.5, -5], [179.5, -6], [178, -7]])).toEqual({
    type: 'MultiLineString',
    coordinates: [
      [[-179.5, -5], [-180, -5.5]],
      [[180, -5.5], [179.5, -6], [178, -7]],
    ],
  })
})

it('cuts every crossing of a track that goes back and forth', () => {
  const line = lineAcrossAntimeridian([[179, 0], [-179, 0], [179, 0], [-179, 0]])
  expect(line?.type).toBe('MultiLineString')
  expect(line?.coordinates).toHaveLength(4)
  for (const part of line?.coordinates as Array<Array<[number, number]>>) {
    const lons = part.map(([lon]) => lon)
    expect(Math.max(...lons) - Math.min(...lons)).toBeLessThanOrEqual(1)
  }
})
