// Where an ingest's batches end: the stored counts a crash may leave behind (batches are whole runs of
// 5,000 messages however the file is read), found by ingesting the capture once into a scratch database;
// and a monitor that waits for a running ingest to have stored so many.
import {readFileSync} from 'node:fs'

import {decodeText} from '../../src/services/ais/nmea.js'
import {openDatabase} from '../../src/services/db/client.js'
import {ingestMessages} from '../../src/services/vessels/ingest.js'
import type {CliResult} from './cli.js'
import {openDirect} from './test-db.js'

/** Positions stored when each batch has committed, from 0 (none yet) to all of them; and the total. */
export async function batchBoundaries(capture: string, scratchDb: string, now: number): Promise<{boundaries: number[]; total: number}> {
  const db = openDatabase(scratchDb)
  try {
    const {messages} = decodeText(readFileSync(capture, 'utf8'))
    const ends = new Set([0])
    const result = await ingestMessages(db, [messages], {
      source: 'live',
      origin: 'ingest',
      now,
      observedAtOf: (m) => m.received_at ?? now,
      onBatch: ({positionsStored}) => ends.add(positionsStored),
    })
    return {boundaries: [...ends].sort((a, b) => a - b), total: result.positions_stored}
  } finally {
    db.close()
  }
}

/**
 * Resolves once the database at `location` (either backend) holds at least `positions`, read as a monitor
 * would; rejects if the run ends first.
 */
export async function untilStored(location: string, positions: number, run: Promise<CliResult>): Promise<void> {
  let ended = false
  void run.then(() => (ended = true))
  const monitor = await openDirect(location)
  try {
    const counted = monitor.prepare('SELECT count(*) AS n FROM vessel_positions')
    while (Number((counted.get() as {n: number | string}).n) < positions) {
      if (ended) throw new Error(`the run ended before ${positions} positions were stored: ${(await run).stderr.slice(-2000)}`)
      await new Promise((r) => setTimeout(r, 10))
    }
  } finally {
    monitor.close()
  }
}
