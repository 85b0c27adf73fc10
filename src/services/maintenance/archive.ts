// The archive: positions, resolved events and notifications past their retention written, a whole UTC month
// at a time, to gzip'd newline-delimited JSON (one object per row, the database's column names) in a folder
// per month with a manifest and each file's SHA-256, before cleanup may delete them (HARBORMASTER_ARCHIVE=on);
// rows are streamed a batch at a time, never a table in memory. A month comes back with `db archive restore`:
// every file checked against its digest before anything is written, then all of it in one transaction, ids
// kept, rows already there left alone (a second restore inserts nothing).
import {createHash} from 'node:crypto'
import {createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {createInterface} from 'node:readline'
import {Readable, Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {createGunzip, createGzip} from 'node:zlib'

import type {ArchiveList, ArchiveRestoreResult} from '../../schemas/archive.js'
import type {ArchiveJobSummary} from '../../schemas/job-summaries.js'
import type {Config} from '../config.js'
import type {Context} from '../context.js'
import {
  ARCHIVED_TABLES,
  type ArchivedMonth,
  type ArchivedTable,
  archivedMonthOf,
  archivedMonths,
  columnNames,
  insertArchivedRows,
  oldestAgeBefore,
  recordArchivedMonth,
  rowsAgedBetween,
  withLivingParents,
} from '../db/archive.js'
import {write} from '../db/transaction.js'
import {HarbormasterError, usageError} from '../errors.js'
import {backupDirOf} from './backup.js'

export type {ArchiveList, ArchiveRestoreResult} from '../../schemas/archive.js'
export type {ArchiveJobSummary} from '../../schemas/job-summaries.js'

const DAY_MS = 86_400_000
/** Rows read and written per batch. */
const BATCH = 5000
const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/
const MANIFEST = 'manifest.json'

/** HARBORMASTER_ARCHIVE_DIR, else archive/ beside the backups folder. */
export function archiveDirOf(ctx: Context): string {
  return ctx.config.archiveDir ?? join(dirname(backupDirOf(ctx)), 'archive')
}

/** How long each archived table's rows are kept before they are archived and may be deleted. */
function retentionMs(config: Config, table: ArchivedTable): number {
  const days = {
    vessel_positions: config.retentionPositionsDays,
    safety_events: config.retentionEventsDays,
    alert_events: config.retentionEventsDays,
    notifications: config.retentionNotificationsDays,
  }[table]
  return days * DAY_MS
}

/** What each table's rows age by, as the manifest says it. */
const AGE_COLUMN: Record<ArchivedTable, string> = {vessel_positions: 'received_at', safety_events: 'resolved_at', alert_events: 'resolved_at', notifications: 'created_at'}

export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7)
}

export function monthStart(month: string): number {
  return Date.parse(`${month}-01T00:00:00Z`)
}

export function nextMonthStart(month: string): number {
  const d = new Date(monthStart(month))
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
}

const fileOf = (table: ArchivedTable) => `${table}.ndjson.gz`

export interface ManifestEntry {
  table: ArchivedTable
  file: string
  rows: number
  bytes: number
  sha256: string
  age_column: string
  from: string
  to: string
  archived_at: string
}

export interface Manifest {
  month: string
  tables: ManifestEntry[]
}

function manifestEntry(entry: ArchivedMonth): ManifestEntry {
  const table = entry.tableName as ArchivedTable
  return {
    table,
    file: entry.file,
    rows: entry.rows,
    bytes: entry.bytes,
    sha256: entry.sha256,
    age_column: AGE_COLUMN[table],
    from: new Date(monthStart(entry.month)).toISOString(),
    to: new Date(nextMonthStart(entry.month)).toISOString(),
    archived_at: new Date(entry.archivedAt).toISOString(),
  }
}

/** Written beside and renamed, as every file the archive holds: a reader never sees half of one. */
function writeWhole(path: string, content: string): void {
  const partial = `${path}.partial-${process.pid}`
  writeFileSync(partial, content)
  renameSync(partial, path)
}

/** One table's month to its file: rows streamed through gzip, the compressed bytes hashed on the way to disk. */
async function writeMonthFile(ctx: Context, table: ArchivedTable, month: string, path: string): Promise<{rows: number; bytes: number; sha256: string}> {
  const names = columnNames(ctx.db, table)
  const hash = createHash('sha256')
  let rows = 0
  let bytes = 0
  const db = ctx.db
  const signal = ctx.signal
  async function* lines(): AsyncGenerator<string> {
    for await (const batch of rowsAgedBetween(db, table, monthStart(month), nextMonthStart(month), BATCH)) {
      signal?.throwIfAborted()
      let text = ''
      for (const row of batch) {
        const named: Record<string, unknown> = {}
        for (const [key, name] of names) named[name] = row[key]
        text += `${JSON.stringify(named)}\n`
      }
      rows += batch.length
      yield text
    }
  }
  const digest = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      bytes += chunk.length
      done(null, chunk)
    },
  })
  const partial = `${path}.partial-${process.pid}`
  try {
    await pipeline(Readable.from(lines()), createGzip(), digest, createWriteStream(partial))
    renameSync(partial, path)
  } catch (error) {
    rmSync(partial, {force: true})
    throw error
  }
  return {rows, bytes, sha256: hash.digest('hex')}
}

function writeManifest(dir: string, month: string, entries: ArchivedMonth[]): void {
  const manifest: Manifest = {month, tables: entries.map(manifestEntry)}
  writeWhole(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`)
  // In sha256sum's format, so an operator can check the files with `sha256sum -c SHA256SUMS`.
  writeWhole(join(dir, 'SHA256SUMS'), entries.map((e) => `${e.sha256}  ${e.file}\n`).join(''))
}

/**
 * The archive job: for each table, every whole month whose rows are all past retention and that is not
 * archived yet, from the month of its oldest such row on. Off (HARBORMASTER_ARCHIVE=off): nothing is written.
 */
export async function runArchive(ctx: Context): Promise<ArchiveJobSummary> {
  const dir = archiveDirOf(ctx)
  if (ctx.config.archiveEnabled === 'off') {
    ctx.logger.info('archiving is off (HARBORMASTER_ARCHIVE=off): nothing written, cleanup deletes by retention alone')
    return {success: true, enabled: false, archive_dir: dir, months: [], rows: 0, bytes: 0}
  }
  const now = ctx.clock.now()
  const done = new Set((await archivedMonths(ctx.db)).map((m) => `${m.month}/${m.tableName}`))
  const written: ArchiveJobSummary['months'] = []
  for (const table of ARCHIVED_TABLES) {
    const cutoff = now - retentionMs(ctx.config, table)
    const oldest = await oldestAgeBefore(ctx.db, table, cutoff)
    if (oldest === undefined) continue
    for (let month = monthOf(oldest); nextMonthStart(month) <= cutoff; month = monthOf(nextMonthStart(month))) {
      if (done.has(`${month}/${table}`)) continue
      ctx.signal?.throwIfAborted()
      const monthDir = join(dir, month)
      mkdirSync(monthDir, {recursive: true})
      const file = fileOf(table)
      const result = await writeMonthFile(ctx, table, month, join(monthDir, file))
      await recordArchivedMonth(ctx.db, {month, tableName: table, file, rows: result.rows, bytes: result.bytes, sha256: result.sha256, archivedAt: now})
      writeManifest(monthDir, month, await archivedMonthOf(ctx.db, month))
      ctx.logger.info(`archived ${month} of ${table}: ${result.rows} rows, ${result.bytes} bytes`, {file: join(monthDir, file)})
      written.push({month, table, rows: result.rows, bytes: result.bytes, sha256: result.sha256, file: join(monthDir, file)})
    }
  }
  return {
    success: true,
    enabled: true,
    archive_dir: dir,
    months: written,
    rows: written.reduce((n, m) => n + m.rows, 0),
    bytes: written.reduce((n, m) => n + m.bytes, 0),
  }
}

/**
 * The time before which cleanup may delete a table's rows: its retention's cutoff, held back to the start of
 * the oldest month (with rows before the cutoff) not archived yet when archiving is on.
 */
export async function deletableBefore(ctx: Context, table: ArchivedTable, cutoff: number): Promise<number> {
  if (ctx.config.archiveEnabled === 'off') return cutoff
  const oldest = await oldestAgeBefore(ctx.db, table, cutoff)
  if (oldest === undefined) return cutoff
  const done = new Set((await archivedMonths(ctx.db)).filter((m) => m.tableName === table).map((m) => m.month))
  for (let month = monthOf(oldest); monthStart(month) < cutoff; month = monthOf(nextMonthStart(month))) {
    if (!done.has(month)) return Math.min(cutoff, monthStart(month))
  }
  return cutoff
}

function readManifest(dir: string, month: string): Manifest | undefined {
  const path = join(dir, month, MANIFEST)
  if (!existsSync(path)) return undefined
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest
  } catch (error) {
    throw new HarbormasterError(`the archive manifest ${path} is not readable JSON: ${(error as Error).message}`, {hint: 'the month cannot be restored from this folder; look for a copy of it'})
  }
}

/** The months the archive folder holds, from their manifests, oldest first. */
export async function listArchive(ctx: Context): Promise<ArchiveList> {
  const dir = archiveDirOf(ctx)
  const months = existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => MONTH_PATTERN.test(name) && statSync(join(dir, name)).isDirectory())
        .sort()
    : []
  const listed: ArchiveList['months'] = []
  for (const month of months) {
    const manifest = readManifest(dir, month)
    if (!manifest) continue
    listed.push({
      month,
      rows: manifest.tables.reduce((n, t) => n + t.rows, 0),
      bytes: manifest.tables.reduce((n, t) => n + t.bytes, 0),
      tables: manifest.tables.map((t) => ({table: t.table, rows: t.rows, bytes: t.bytes, sha256: t.sha256, archived_at: t.archived_at})),
    })
  }
  return {archive_dir: dir, months: listed}
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}

/** One archive file's rows, parsed back to drizzle's keys, a batch at a time. */
async function* archivedRows(path: string, names: Array<[key: string, name: string]>, size: number): AsyncGenerator<Array<Record<string, unknown>>> {
  const lines = createInterface({input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity})
  let batch: Array<Record<string, unknown>> = []
  for await (const line of lines) {
    if (line === '') continue
    const named = JSON.parse(line) as Record<string, unknown>
    const row: Record<string, unknown> = {}
    for (const [key, name] of names) row[key] = named[name] ?? null
    batch.push(row)
    if (batch.length >= size) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

/** Brings a month back: every file checked first, then all its rows in one transaction (ids kept, present rows left alone). */
export async function restoreArchivedMonth(ctx: Context, month: string): Promise<ArchiveRestoreResult> {
  if (!MONTH_PATTERN.test(month)) throw usageError(`"${month}" is not a month`, 'give the month as YYYY-MM, e.g. 2026-07 (`harbormaster db archive list` shows the archived ones)')
  const dir = archiveDirOf(ctx)
  const manifest = readManifest(dir, month)
  if (!manifest) {
    const available = (await listArchive(ctx)).months.map((m) => m.month)
    throw usageError(
      `the archive ${dir} holds no month ${month}`,
      available.length > 0 ? `archived months: ${available.join(', ')}` : 'nothing is archived there yet; check HARBORMASTER_ARCHIVE_DIR',
    )
  }
  const recorded = new Map((await archivedMonthOf(ctx.db, month)).map((m) => [m.tableName, m]))
  // Every file is checked before anything is written: a damaged month changes nothing.
  for (const entry of manifest.tables) {
    const path = join(dir, month, entry.file)
    if (!existsSync(path)) throw new HarbormasterError(`archive file ${path} is missing`, {hint: 'nothing was restored; put the file back from a copy of the archive'})
    const actual = await sha256Of(path)
    const expected = recorded.get(entry.table)?.sha256 ?? entry.sha256
    if (actual !== entry.sha256 || actual !== expected) {
      throw new HarbormasterError(`archive file ${path} is damaged: its SHA-256 is ${actual}, the archive recorded ${expected}`, {
        hint: 'nothing was restored; put the file back from a copy of the archive',
      })
    }
  }
  const order = (t: string) => ARCHIVED_TABLES.indexOf(t as ArchivedTable)
  const entries = [...manifest.tables].sort((a, b) => order(a.table) - order(b.table))
  const tables = await write(ctx.db, async () => {
    const restored: ArchiveRestoreResult['tables'] = []
    for (const entry of entries) {
      const path = join(dir, month, entry.file)
      let rows = 0
      let inserted = 0
      let withoutParent = 0
      let referencesCleared = 0
      for await (const batch of archivedRows(path, columnNames(ctx.db, entry.table), BATCH)) {
        ctx.signal?.throwIfAborted()
        rows += batch.length
        const living = await withLivingParents(ctx.db, entry.table, batch)
        withoutParent += living.withoutParent
        referencesCleared += living.referencesCleared
        inserted += await insertArchivedRows(ctx.db, entry.table, living.rows)
      }
      if (rows !== entry.rows) {
        throw new HarbormasterError(`archive file ${path} holds ${rows} rows, its manifest ${entry.rows}`, {hint: 'nothing was restored; the file does not match its manifest'})
      }
      if (withoutParent > 0) ctx.logger.warn(`${entry.table}: ${withoutParent} archived rows not restored: what they belong to (a user, an event, a job run, an alert rule) has been deleted since`)
      restored.push({
        table: entry.table,
        rows,
        inserted,
        already_present: rows - withoutParent - inserted,
        without_parent: withoutParent,
        references_cleared: referencesCleared,
      })
    }
    return restored
  })
  const inserted = tables.reduce((n, t) => n + t.inserted, 0)
  ctx.logger.info(`restored ${month}: ${inserted} rows inserted`, Object.fromEntries(tables.map((t) => [t.table, t.inserted])))
  return {month, archive_dir: dir, tables, inserted}
}
