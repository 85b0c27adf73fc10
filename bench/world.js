// The world-scale setup the benchmarks share: a temp database with every shipped port and the zones of
// the fallback data, a context over it, and vessels placed by the caller. Built code (dist/) only.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const dist = (p) => import(join(root, 'dist', 'services', p))

/**
 * A service context over the database at `dbPath` (a SQLite file, or a PostgreSQL URL; opened, migrated), its
 * clock fixed at `now`, logging nothing. Close its `db` with `await ctx.db.close()`.
 */
export async function benchContext(dbPath, now) {
  const [{openAnyDatabase}, {loadConfig}, {fixedClock}, {silentLogger}] = await Promise.all([dist('db/open.js'), dist('config.js'), dist('clock.js'), dist('log/logger.js')])
  const db = await openAnyDatabase(dbPath, {applicationName: 'harbormaster bench'})
  return {config: loadConfig({env: {}, dbPath}), db, logger: silentLogger, clock: fixedClock(now)}
}

/** Opens a fresh world at `now`; call `close()` when done. */
export async function openWorld(prefix, now) {
  const {ensureFallbackData} = await dist('fallback/ensure.js')
  const dir = mkdtempSync(join(tmpdir(), `harbormaster-${prefix}-`))
  const dbPath = join(dir, `${prefix}.db`)
  const ctx = await benchContext(dbPath, now)
  const {db} = ctx
  await ensureFallbackData(ctx, {skipVessels: true})
  const ports = db.sqlite.prepare(`SELECT id, lat, lon, radius_km FROM ports`).all()
  return {
    ctx,
    db,
    dbPath,
    ports,
    close() {
      db.close()
      rmSync(dir, {recursive: true, force: true})
    },
  }
}
