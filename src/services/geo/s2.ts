// S2 cells (the hierarchy Global Fishing Watch names anchorages in): the level-14 cell of a position, as
// its token, and a token's centre. Level 14 cells are about 0.5 km across.
import {S2CellId, S2LatLng} from 'nodes2ts'

export const ANCHORAGE_CELL_LEVEL = 14

/** The token (hex id without trailing zeros) of the cell at `level` holding the position. */
export function cellToken(lat: number, lon: number, level: number = ANCHORAGE_CELL_LEVEL): string {
  return S2CellId.fromPoint(S2LatLng.fromDegrees(lat, lon).toPoint()).parentL(level).toToken()
}

/** The centre of the cell a token names, or null when the token is not a valid cell. */
export function cellCentre(token: string): {lat: number; lon: number; level: number} | null {
  if (!/^[0-9a-f]{1,16}$/.test(token)) return null
  const id = S2CellId.fromToken(token)
  if (!id.isValid()) return null
  const centre = id.toLatLng()
  return {lat: centre.latDegrees, lon: centre.lngDegrees, level: id.level()}
}
