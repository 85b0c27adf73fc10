// Whether positions lie farther than a threshold from something costly to measure (the shore, the nearest
// anchorage), answered per grid cell where the cell settles it: the distance from a cell's centre, measured
// once and kept, bounds the distance of every position in the cell within half the cell's diagonal
// (triangle inequality), so only positions in cells the threshold runs through are measured themselves.

const CELL_DEGREES = 0.05
const COLS = 360 / CELL_DEGREES
const KM_PER_DEGREE = 111.195
/** Half the diagonal of the widest cell (at the equator), with a margin for the flat measures of the sources. */
const HALF_DIAGONAL_KM = (Math.SQRT2 * CELL_DEGREES * KM_PER_DEGREE) / 2 + 0.05

export class FartherThan {
  private readonly centres = new Map<number, number>()
  private lastKey = -1
  private lastCentre = 0
  /** Exact measures taken (cells and positions): what the cache saves is read from it. */
  measures = 0

  /**
   * @param distanceKm the distance from the position, or Infinity when over `maxKm` (the source may stop looking there)
   * @param thresholdKm positions farther than this pass
   */
  constructor(
    private readonly distanceKm: (lat: number, lon: number, maxKm: number) => number,
    readonly thresholdKm: number,
  ) {}

  test(lat: number, lon: number): boolean {
    const row = Math.floor((lat + 90) / CELL_DEGREES)
    const col = Math.floor((lon + 180) / CELL_DEGREES) % COLS
    const key = row * COLS + col
    // A vessel's next report is mostly in the cell of its last one: no lookup then.
    let centre = this.lastCentre
    if (key !== this.lastKey) {
      centre = this.centres.get(key) as number
      if (centre === undefined) {
        this.measures++
        centre = this.distanceKm(-90 + (row + 0.5) * CELL_DEGREES, -180 + (col + 0.5) * CELL_DEGREES, this.thresholdKm + 2 * HALF_DIAGONAL_KM)
        this.centres.set(key, centre)
      }
      this.lastKey = key
      this.lastCentre = centre
    }
    if (centre - HALF_DIAGONAL_KM > this.thresholdKm) return true
    if (centre + HALF_DIAGONAL_KM <= this.thresholdKm) return false
    this.measures++
    return this.distanceKm(lat, lon, this.thresholdKm) > this.thresholdKm
  }
}

const byOwner = new WeakMap<object, Map<number, FartherThan>>()

/**
 * The one cache for a source and threshold (the land outline lives as long as the process, port areas until
 * they are reloaded), so later passes start from the cells earlier ones measured.
 */
export function fartherThan(owner: object, thresholdKm: number, distanceKm: (lat: number, lon: number, maxKm: number) => number): FartherThan {
  let caches = byOwner.get(owner)
  if (!caches) byOwner.set(owner, (caches = new Map()))
  let cache = caches.get(thresholdKm)
  if (!cache) caches.set(thresholdKm, (cache = new FartherThan(distanceKm, thresholdKm)))
  return cache
}
