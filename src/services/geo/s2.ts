// S2 cells (the hierarchy Global Fishing Watch names anchorages in): the level-14 cell of a position, as
// its token. Level 14 cells are about 0.5 km across.
import {S2CellId, S2LatLng} from 'nodes2ts'

export const ANCHORAGE_CELL_LEVEL = 14

/** The token (hex id without trailing zeros) of the cell at `level` holding the position. */
export function cellToken(lat: number, lon: number, level: number = ANCHORAGE_CELL_LEVEL): string {
  return S2CellId.fromPoint(S2LatLng.fromDegrees(lat, lon).toPoint()).parentL(level).toToken()
}
