// Logging: harbormaster's logger (a job's child logger, fields, configured secrets masked, text or JSON
// lines) against raw pino writing the same records, both to an asynchronous destination on /dev/null, in
// alternating rounds so both see the same machine state. Needs `npm run build`.
import {openSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import pino from 'pino'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const {createLogger} = await import(join(root, 'dist', 'services', 'log', 'logger.js'))

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const devNull = () => pino.destination({dest: openSync('/dev/null', 'w'), sync: false})
/** Configured credentials, as a deployment with AISHub, aisstream and a dead-man's-switch URL has them. */
const SECRETS = ['aisstream-key-3f9c2b7e1d55', 'hubuser-7Qx2mZ', 'admin-token-8c1e4b0f9a2d7c65', 'https://hc.example.org/ping/5e2a91c4b7/{job}']

/** Time to log `records` records and have them all written out (what is still buffered, written at the end). */
function lines(log, destination, records) {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < records; i++) log(i)
  destination.flushSync()
  return Number(process.hrtime.bigint() - t0) / 1e6
}

export default async function logging() {
  const records = Number(process.env.BENCH_RECORDS ?? 100_000)
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
  const out = {raw: devNull(), json: devNull(), text: devNull()}
  const raw = pino({level: 'info', timestamp: pino.stdTimeFunctions.isoTime}, out.raw).child({job: 'vessels'})
  const json = createLogger({level: 'info', format: 'json', destination: out.json, secrets: SECRETS}).child({job: 'vessels'})
  const text = createLogger({level: 'info', format: 'text', timestamps: true, destination: out.text, secrets: SECRETS}).child({job: 'vessels'})
  const runs = {raw: [], json: [], text: []}
  const message = 'AIS line rejected: not an NMEA sentence'
  for (let round = 0; round < rounds + 1; round++) {
    const r = lines((i) => raw.info({line: `garbage line ${i}`, run: 7}, message), out.raw, records)
    const j = lines((i) => json.info(message, {line: `garbage line ${i}`, run: 7}), out.json, records)
    const t = lines((i) => text.info(message, {line: `garbage line ${i}`, run: 7}), out.text, records)
    // The first round warms up.
    if (round > 0) {
      runs.raw.push(r)
      runs.json.push(j)
      runs.text.push(t)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const perSecond = (ms) => Math.round((records / ms) * 1000).toLocaleString('en-US')
  console.log(`median of ${rounds} rounds of ${records.toLocaleString('en-US')} records (node ${process.version})`)
  console.log(`${'raw pino, JSON'.padEnd(38)} ${median(runs.raw).toFixed(0).padStart(6)} ms  ${perSecond(median(runs.raw)).padStart(11)} records/s`)
  for (const [label, key] of [
    ['harbormaster logger, --log-format json', 'json'],
    ['harbormaster logger, text lines', 'text'],
  ]) {
    const ms = median(runs[key])
    console.log(`${label.padEnd(38)} ${ms.toFixed(0).padStart(6)} ms  ${perSecond(ms).padStart(11)} records/s  ratio ${(ms / median(runs.raw)).toFixed(2)}x raw pino's time`)
  }
}
