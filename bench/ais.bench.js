// AIS: decode throughput against ais-stream-decoder on 1M real sentences (the gpsd Piraeus capture
// repeated), the whole `ais decode --json` process against gpsd's gpsdecode (when installed: see
// bench/setup.sh), ingest of 200,000 positions through the vessels service against raw better-sqlite3
// prepared inserts of the same rows in one transaction, and a 200,000-sentence capture file streamed
// through the nmea-file source (read, decode, ingest). All measured in this one run: medians of several
// runs, the ingest sides each alone in its own process (its peak RSS is its own).
import {spawn, spawnSync} from 'node:child_process'
import {createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {alternate, machineLine, mb, med, median, RUNS, runAsSide, sidesLine} from './harness.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = (p) => join(root, 'dist', 'services', p)
const SENTENCES = 1_000_000
export const POSITIONS = 200_000

function corpusFile() {
  const dir = join(root, 'bench', '.cache')
  mkdirSync(dir, {recursive: true})
  const file = join(dir, 'piraeus-1m-lf.nmea')
  if (!existsSync(file)) {
    const lines = readFileSync(join(root, 'data', 'ais', 'gpsd-ais-raw-messages.log'), 'utf8')
      .split('\n')
      .map((l) => l.trim()) // the capture has CRLF ends, which ais-stream-decoder cannot read
      .filter((l) => l.startsWith('!'))
    const out = []
    for (let i = 0; i < SENTENCES; i++) out.push(lines[i % lines.length])
    writeFileSync(file, out.join('\n') + '\n')
  }
  return file
}

function medianOf(runs, fn) {
  const times = []
  let result
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    result = fn()
    times.push(performance.now() - t0)
  }
  return {ms: median(times), result}
}

async function decodeBench(lines) {
  const {AisDecoder} = await import(dist('ais/nmea.js'))
  const mod = await import('ais-stream-decoder')
  const StreamDecoder = mod.default.default ?? mod.default
  const ours = medianOf(RUNS, () => {
    const d = new AisDecoder()
    let n = 0
    for (const line of lines) if (d.decodeLine(line)) n++
    return n
  })
  // The stream decodes asynchronously: time from the first write to its 'end'.
  const theirTimes = []
  let theirCount = 0
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now()
    const count = await new Promise((resolve) => {
      const d = new StreamDecoder({silent: true}) // silent: a type it does not decode must not end the stream
      let n = 0
      d.on('data', () => n++)
      d.on('error', () => undefined)
      d.on('end', () => resolve(n))
      for (const line of lines) d.write(line)
      d.end()
    })
    theirTimes.push(performance.now() - t0)
    theirCount = count
  }
  const theirs = {ms: median(theirTimes), result: theirCount}
  const ourRate = lines.length / (ours.ms / 1000)
  const theirRate = lines.length / (theirs.ms / 1000)
  console.log(`decode, in process (${lines.length.toLocaleString()} sentences; median of ${RUNS} runs each)`)
  console.log(`  harbormaster        ${Math.round(ourRate).toLocaleString().padStart(12)} sentences/s  (${ours.result.toLocaleString()} messages)`)
  console.log(`  ais-stream-decoder  ${Math.round(theirRate).toLocaleString().padStart(12)} sentences/s  (${theirs.result.toLocaleString()} messages)`)
  console.log(`  ratio ${(ourRate / theirRate).toFixed(1)}x (target >= 5x: ${ourRate / theirRate >= 5 ? 'met' : 'NOT met'})`)
}

function timeProcess(command, args, input) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(command, args, {stdio: ['pipe', 'pipe', 'ignore']})
    let bytes = 0
    child.stdout.on('data', (d) => (bytes += d.length))
    child.on('error', reject)
    child.on('close', (code) => resolve({ms: performance.now() - t0, bytes, code}))
    createReadStream(input).pipe(child.stdin)
  })
}

async function processBench(file) {
  const gpsdecode = spawnSync('sh', ['-c', 'command -v gpsdecode'], {encoding: 'utf8'}).stdout.trim()
  const ours = []
  const theirs = []
  for (let i = 0; i < RUNS; i++) {
    ours.push(await timeProcess(process.execPath, [join(root, 'bin', 'run.js'), 'ais', 'decode', '-', '--json', '--quiet'], file))
    if (gpsdecode) theirs.push(await timeProcess(gpsdecode, [], file))
  }
  const o = {ms: med(ours, 'ms')}
  console.log(`whole process, JSON out (${SENTENCES.toLocaleString()} sentences, stdin to stdout; median of ${RUNS} runs each)`)
  console.log(`  harbormaster ais decode --json  ${(o.ms / 1000).toFixed(2)} s  ${Math.round(SENTENCES / (o.ms / 1000)).toLocaleString()} sentences/s`)
  if (!gpsdecode) {
    console.log('  gpsdecode not installed: run bench/setup.sh (Debian package gpsd-clients) for the comparison')
    return
  }
  const t = {ms: med(theirs, 'ms')}
  console.log(`  gpsdecode                       ${(t.ms / 1000).toFixed(2)} s  ${Math.round(SENTENCES / (t.ms / 1000)).toLocaleString()} sentences/s`)
  console.log(`  ratio ${(t.ms / o.ms).toFixed(2)}x gpsdecode's time (target > 1: ${t.ms > o.ms ? 'met' : 'NOT met'})`)
}

/** 20,000 vessels, 10 reports each a minute apart, moving at 10 kn around real positions of the capture. */
export function positions(base) {
  const out = []
  const vessels = POSITIONS / 10
  for (let v = 0; v < vessels; v++) {
    const mmsi = 237_000_000 + v
    const lat0 = 30 + (v % 200) * 0.1
    const lon0 = 10 + Math.floor(v / 200) * 0.1
    for (let k = 0; k < 10; k++) {
      out.push({msg_type: 1, repeat: 0, mmsi, lat: lat0 + k * 0.0028, lon: lon0, sog: 10, cog: 0, heading: 0, nav_status: 0, received_at: base + k * 60_000})
    }
  }
  return out
}

/** Raw better-sqlite3: the same rows, prepared inserts in one transaction. */
async function raw({db: dbPath}) {
  const {openDatabase} = await import(dist('db/client.js'))
  const base = Date.parse('2026-11-24T00:00:00Z')
  const messages = positions(base)
  const db = openDatabase(dbPath)
  const insert = db.sqlite.prepare(
    `INSERT OR IGNORE INTO vessel_positions (mmsi, observed_at, lat, lon, sog, cog, heading, nav_status, source, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const t0 = performance.now()
  db.sqlite.transaction(() => {
    for (const m of messages) insert.run(m.mmsi, m.received_at, m.lat, m.lon, m.sog, m.cog, m.heading, m.nav_status, 'live', base)
  })()
  const ms = performance.now() - t0
  db.close()
  return {ms, stored: messages.length}
}

/** The vessels service: validate, dedupe, jump check, latest position, batches. */
async function service({db: dbPath}) {
  const {openDatabase} = await import(dist('db/client.js'))
  const {ingestMessages} = await import(dist('vessels/ingest.js'))
  const base = Date.parse('2026-11-24T00:00:00Z')
  const messages = positions(base)
  const db = openDatabase(dbPath)
  const t0 = performance.now()
  // Handed over in chunks of 1,000, as a streaming source does; stored in batches of 5,000 with a turn of the event loop between.
  const chunks = []
  for (let i = 0; i < messages.length; i += 1000) chunks.push(messages.slice(i, i + 1000))
  const result = await ingestMessages(db, chunks, {source: 'live', origin: 'ingest', now: base + 3_600_000, observedAtOf: (m) => m.received_at})
  const ms = performance.now() - t0
  db.close()
  return {ms, stored: result.positions_stored, rejected: result.rejected}
}

async function ingestBench() {
  const {openDatabase} = await import(dist('db/client.js'))
  const dir = mkdtempSync(join(tmpdir(), 'harbormaster-ingest-'))
  try {
    const empty = join(dir, 'empty.db')
    openDatabase(empty).close()
    const runs = alternate(import.meta.url, ['raw', 'service'], empty)
    const rawMs = med(runs.raw, 'ms')
    const ms = med(runs.service, 'ms')
    const peak = med(runs.service, 'peak_rss')
    const s = runs.service[0]
    console.log(`ingest (${POSITIONS.toLocaleString()} positions of ${(POSITIONS / 10).toLocaleString()} vessels into an empty database; ${machineLine()}; ${sidesLine()})`)
    console.log(`  raw better-sqlite3 inserts, one transaction  ${Math.round(POSITIONS / (rawMs / 1000)).toLocaleString().padStart(10)} rows/s`)
    console.log(`  vessels service (validate, dedupe, jump check, latest position, batches)  ${Math.round(POSITIONS / (ms / 1000)).toLocaleString().padStart(10)} rows/s  (${s.stored} stored, ${s.rejected} rejected)`)
    console.log(`  ratio ${(rawMs / ms).toFixed(2)}x the raw rate (target >= 0.5x: ${rawMs / ms >= 0.5 ? 'met' : 'NOT met'})`)
    console.log(`  peak RSS of the service's process ${mb(peak)} (raw inserts' process ${mb(med(runs.raw, 'peak_rss'))}; target < 300 MB: ${peak < 300 * 1024 * 1024 ? 'met' : 'NOT met'})`)
    await streamedFileBench(dir, POSITIONS / (rawMs / 1000))
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

/**
 * The nmea-file source end to end in its own process: a capture of real tag-blocked sentences streamed from
 * disk, decoded and ingested in batches.
 */
async function streamed({db: dbPath, file}) {
  const {openDatabase} = await import(dist('db/client.js'))
  const {ingestMessages} = await import(dist('vessels/ingest.js'))
  const {openNmeaFile} = await import(dist('providers/ais/nmea-feed.js'))
  const {silentLogger} = await import(dist('log/logger.js'))
  const base = Date.parse('2026-11-24T00:00:00Z')
  const db = openDatabase(dbPath)
  const feed = openNmeaFile({logger: silentLogger}, file)
  const t0 = performance.now()
  const result = await ingestMessages(db, feed.batches, {source: 'live', origin: 'ingest', now: base, observedAtOf: feed.observedAtOf})
  const ms = performance.now() - t0
  db.close()
  return {ms, stored: result.positions_stored}
}

/** The streamed capture file against the raw insert rate measured above. */
async function streamedFileBench(dir, rawRate) {
  const base = Date.parse('2026-11-24T00:00:00Z')
  const sentences = readFileSync(join(root, 'data', 'ais', 'gpsd-ais-raw-messages.log'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!AIVDM,1,1'))
  const file = join(dir, 'capture.nmea')
  const first = Math.floor(base / 1000) - POSITIONS
  const out = createWriteStream(file)
  for (let i = 0; i < POSITIONS; i++) {
    const body = `c:${first + i}`
    let sum = 0
    for (let k = 0; k < body.length; k++) sum ^= body.charCodeAt(k)
    out.write(`\\${body}*${sum.toString(16).toUpperCase().padStart(2, '0')}\\${sentences[i % sentences.length]}\n`)
  }
  await new Promise((resolve) => out.end(resolve))
  const runs = alternate(import.meta.url, ['streamed'], join(dir, 'empty.db'), {file})
  const rate = POSITIONS / (med(runs.streamed, 'ms') / 1000)
  console.log(`streamed capture file (${POSITIONS.toLocaleString()} tag-blocked sentences of ${(statSync(file).size / 1024 / 1024).toFixed(0)} MB, ${runs.streamed[0].stored.toLocaleString()} positions stored)`)
  console.log(`  read, decode and ingest  ${Math.round(rate).toLocaleString().padStart(10)} sentences/s, ${(rate / rawRate).toFixed(2)}x the raw insert rate; peak RSS ${mb(med(runs.streamed, 'peak_rss'))}`)
}

export default async function ais() {
  if (!existsSync(join(root, 'dist'))) throw new Error('run `npm run build` first')
  await ingestBench()
  const file = corpusFile()
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean)
  await decodeBench(lines)
  await processBench(file)
}

await runAsSide(import.meta.url, {raw, service, streamed})
