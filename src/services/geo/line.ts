// Lines on longitude/latitude (a vessel's track): cut where they cross the antimeridian, as RFC 7946 asks,
// so a map never draws a ship that sailed from 179°E to 179°W as a line across the whole world.

export type Position = [number, number]
export type LineGeometry = {type: 'LineString'; coordinates: Position[]} | {type: 'MultiLineString'; coordinates: Position[][]}

/**
 * The line through these positions in order; a step of more than 180° of longitude is taken the short
 * way, across the antimeridian, and the line is cut there (a MultiLineString), its latitude at ±180
 * interpolated. Null with fewer than two positions.
 */
export function lineAcrossAntimeridian(positions: readonly Position[]): LineGeometry | null {
  if (positions.length < 2) return null
  const parts: Position[][] = [[positions[0]]]
  for (let i = 1; i < positions.length; i++) {
    const [lon0, lat0] = positions[i - 1]
    const [lon1, lat1] = positions[i]
    const step = lon1 - lon0
    if (Math.abs(step) > 180) {
      // Eastward over 180° (179 → -179) or westward over -180°: the longitude continued past the edge.
      const edge = step < 0 ? 180 : -180
      const unwrapped = lon1 + (step < 0 ? 360 : -360)
      const t = (edge - lon0) / (unwrapped - lon0)
      const lat = round6(lat0 + t * (lat1 - lat0))
      parts[parts.length - 1].push([edge, lat])
      parts.push([[-edge, lat]])
    }
    parts[parts.length - 1].push(positions[i])
  }
  const lines = parts.filter((p) => p.length >= 2)
  return lines.length === 1 ? {type: 'LineString', coordinates: lines[0]} : {type: 'MultiLineString', coordinates: lines}
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6
}
