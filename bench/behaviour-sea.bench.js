// The sea behaviour detectors (loitering, encounters, identity) over a generated window at the scale the
// behaviour pass must carry: 10 million positions of 50,000 vessels over a day (BENCH_SEA_VESSELS,
// BENCH_SEA_REPORTS), with every shipped port and Global Fishing Watch anchorage. Vessels moored in ports,
// under way, fishing slowly at sea, loitering, meeting in pairs, and some MMSIs heard in two places.
// Baseline, in the same run on a sample of vessels: the obvious encounter search, every pair of vessels
// with their reports matched within 5 minutes (both slow, within 500 m, the anchorage looked up for each
// match), against the encounters detector on the same sample. Targets: the three detectors well inside
// the pass's 60 s for 10 million positions, under 1 GB.
import {availableParallelism, loadavg} from 'node:os'

import {mb, mulberry, seconds} from './harness.js'
import {dist, openWorld} from './world.js'

const VESSELS = Number(process.env.BENCH_SEA_VESSELS ?? 50_000)
const REPORTS = Number(process.env.BENCH_SEA_REPORTS ?? 200)
const SAMPLE = Number(process.env.BENCH_SEA_SAMPLE ?? 1_000)
const NOW = Date.parse('2026-11-25T00:00:00Z')
const DAY_MS = 86_400_000
const T0 = NOW - DAY_MS
const KM_PER_DEGREE = 111.195
const KNOT_KM_PER_MS = 1.852 / 3_600_000

/** A window of `vessels` vessels, `reports` each over a day, as the pass hands it over (columns, MMSI order). */
function generateWindow(vessels, reports, ports, land) {
  const random = mulberry(7)
  const n = vessels * reports
  const w = {
    length: n,
    at: new Float64Array(n),
    lat: new Float64Array(n),
    lon: new Float64Array(n),
    sog: new Float32Array(n),
    nav: new Uint8Array(n).fill(255),
    second: new Uint8Array(n).fill(255),
    source: new Uint8Array(n),
    fresh: new Uint8Array(n).fill(1),
    vessels,
    vesselMmsi: new Float64Array(vessels),
    vesselStart: new Int32Array(vessels + 1),
    since: T0,
    until: NOW,
  }
  const every = DAY_MS / reports
  const seaPoint = () => {
    for (;;) {
      const lat = -55 + random() * 110
      const lon = -180 + random() * 360
      if (!land.isOnLand(lon, lat)) return [lat, lon]
    }
  }
  const kinds = {moored: 0, underway: 0, fishing: 0, loitering: 0, pair: 0, twin: 0}
  let partner = null
  for (let v = 0; v < vessels; v++) {
    w.vesselMmsi[v] = 201_000_000 + v
    const from = (w.vesselStart[v] = v * reports)
    w.vesselStart[v + 1] = from + reports
    const pick = random()
    const kind = partner ? 'pair' : pick < 0.4 ? 'moored' : pick < 0.75 ? 'underway' : pick < 0.85 ? 'fishing' : pick < 0.95 ? 'loitering' : pick < 0.99 ? 'pair' : 'twin'
    kinds[kind]++
    const offset = random() * every
    let [lat, lon] = kind === 'moored' ? ((p) => [p.lat + (random() - 0.5) * 0.01, p.lon + (random() - 0.5) * 0.01])(ports[Math.floor(random() * ports.length)]) : seaPoint()
    if (kind === 'pair' && partner) [lat, lon] = [partner[0] + 0.002, partner[1]]
    // A pair drifts together: the second takes the first one's course.
    const heading = kind === 'pair' && partner ? partner[2] : random() * 2 * Math.PI
    const [twinLat, twinLon] = kind === 'twin' ? seaPoint() : [0, 0]
    for (let k = 0; k < reports; k++) {
      const i = from + k
      const at = T0 + offset + k * every
      w.at[i] = at
      let knots = 0
      let dLat = 0
      let dLon = 0
      if (kind === 'underway' || (kind === 'loitering' && (k < reports / 3 || k > reports / 2))) knots = 12
      else if (kind === 'fishing' || kind === 'loitering') knots = 0.5 + random() * 1.2
      else if (kind === 'pair') knots = 0.6
      else if (kind === 'twin') knots = 10
      const km = knots * KNOT_KM_PER_MS * (k === 0 ? 0 : every)
      const course = kind === 'fishing' ? random() * 2 * Math.PI : heading
      dLat = (km * Math.cos(course)) / KM_PER_DEGREE
      dLon = (km * Math.sin(course)) / (KM_PER_DEGREE * Math.max(0.2, Math.cos((lat * Math.PI) / 180)))
      lat = Math.max(-80, Math.min(80, lat + dLat))
      lon = ((((lon + dLon + 180) % 360) + 360) % 360) - 180
      // An MMSI heard in two places: every other report from a second transmitter far away.
      const far = kind === 'twin' && k % 2 === 1
      w.lat[i] = far ? twinLat : lat
      w.lon[i] = far ? twinLon : lon
      w.sog[i] = far ? 1 : knots
    }
    partner = kind === 'pair' && !partner ? [w.lat[from], w.lon[from], heading] : null
  }
  return {window: w, kinds}
}

/** The first `count` vessels of a window, as a window of their own. */
function sampleOf(w, count) {
  const end = w.vesselStart[count]
  const slice = (a) => a.subarray(0, end)
  return {
    ...w,
    length: end,
    at: slice(w.at),
    lat: slice(w.lat),
    lon: slice(w.lon),
    sog: slice(w.sog),
    nav: slice(w.nav),
    second: slice(w.second),
    source: slice(w.source),
    fresh: slice(w.fresh),
    vessels: count,
    vesselMmsi: w.vesselMmsi.subarray(0, count),
    vesselStart: w.vesselStart.subarray(0, count + 1),
  }
}

/**
 * The obvious search: every pair of vessels, each report of one against the other's reports within 5
 * minutes; a match both under 2 kn and within 500 m counts when no anchorage lies within 10 km.
 */
function naiveEncounters(w, areas, haversineKm) {
  const TOLERANCE = 5 * 60_000
  let matches = 0
  for (let a = 0; a < w.vessels; a++) {
    for (let b = a + 1; b < w.vessels; b++) {
      let j = w.vesselStart[b]
      const bEnd = w.vesselStart[b + 1]
      for (let i = w.vesselStart[a]; i < w.vesselStart[a + 1]; i++) {
        while (j < bEnd && w.at[j] < w.at[i] - TOLERANCE) j++
        for (let k = j; k < bEnd && w.at[k] <= w.at[i] + TOLERANCE; k++) {
          if (!(w.sog[i] < 2 && w.sog[k] < 2)) continue
          if (haversineKm(w.lat[i], w.lon[i], w.lat[k], w.lon[k]) > 0.5) continue
          if (areas.nearestPort(w.lat[i], w.lon[i], 10) === null) matches++
        }
      }
    }
  }
  return matches
}

export default async function run() {
  const [{loitering}, {encounters}, {identity}, {PortAreas}, {areaCells, areaPorts}, {landOutline}, {haversineKm}] = await Promise.all([
    dist('behaviour/loitering.js'),
    dist('behaviour/encounters.js'),
    dist('behaviour/identity.js'),
    dist('ports/port-areas.js'),
    dist('db/port-areas.js'),
    dist('geo/land.js'),
    dist('geo/geometry.js'),
  ])
  const [one] = loadavg()
  console.log(`node ${process.version}, load average ${one.toFixed(1)} on ${availableParallelism()} cores at the start; one process, each figure one run`)
  const world = await openWorld('behaviour-sea', NOW)
  try {
    const areas = new PortAreas(await areaPorts(world.db), await areaCells(world.db))
    const land = landOutline('10m')
    const env = {ctx: world.ctx, now: NOW, areas, land}
    const made = generateWindow(VESSELS, REPORTS, world.ports, land)
    const w = made.window
    console.log(`window: ${w.length.toLocaleString('en')} positions of ${VESSELS.toLocaleString('en')} vessels over 24 h (${Object.entries(made.kinds).map(([k, n]) => `${k} ${n}`).join(', ')}); ${areas.cells.length} anchorage cells`)

    // The sample first, both ways, before the caches of the full run warm up.
    const sample = sampleOf(w, Math.min(SAMPLE, VESSELS))
    let t = performance.now()
    const naiveMatches = naiveEncounters(sample, areas, haversineKm)
    const naiveMs = performance.now() - t
    t = performance.now()
    const sampled = await encounters.detect(env, sample)
    const sampleMs = performance.now() - t
    console.log(
      `encounters on ${sample.vessels} vessels (${sample.length.toLocaleString('en')} positions): naive pair scan ${seconds(naiveMs)} (${naiveMatches} matched reports), detector ${seconds(sampleMs)} (${sampled.events.length} encounters): ${(naiveMs / sampleMs).toFixed(0)}x`,
    )

    const timings = {}
    const counts = {}
    const rss0 = process.memoryUsage().rss
    let peak = rss0
    const watch = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50)
    const total = performance.now()
    for (const detector of [loitering, encounters, identity]) {
      const started = performance.now()
      const result = await detector.detect(env, w)
      timings[detector.name] = performance.now() - started
      counts[detector.name] = {events: result.events.length, ...result.counts}
      peak = Math.max(peak, process.memoryUsage().rss)
    }
    const totalMs = performance.now() - total
    clearInterval(watch)
    for (const name of Object.keys(timings)) console.log(`  ${name.padEnd(11)} ${seconds(timings[name]).padStart(8)}  ${JSON.stringify(counts[name])}`)
    const scaledNaive = naiveMs * (VESSELS / sample.vessels) ** 2
    console.log(
      `all three: ${seconds(totalMs)} for ${w.length.toLocaleString('en')} positions (${((w.length / totalMs) * 1000).toLocaleString('en', {maximumFractionDigits: 0})} positions/s); ` +
        `RSS ${mb(rss0)} with the window, peak ${mb(peak)}; the naive pair scan scaled to ${VESSELS.toLocaleString('en')} vessels: about ${seconds(scaledNaive)} (${(scaledNaive / timings.encounters).toFixed(0)}x the encounters detector)`,
    )
  } finally {
    world.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
