// The world-scale setup the benchmarks share: a temp database with every shipped port and the zones of
// the fallback data, a context over it, and vessels placed by the caller. Built code (dist/) only.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const dist = (p) => import(join(root, 'dist', 'services', p))

/** Opens a fresh world at `now`; call `close()` when done. */
export async function openWorld(prefix, now) {
  const [{openDatabase}, {ensureFallbackData}, {loadConfig}, {fixedClock}, {silentLogger}] = await Promise.all([
    dist('db/client.js'),
    dist('fallback/ensure.js'),
    dist('config.js'),
    dist('clock.js'),
    dist('log/logger.js'),
  ])
  const dir = mkdtempSync(join(tmpdir(), `harbormaster-${prefix}-`))
  const dbPath = join(dir, `${prefix}.db`)
  const db = openDatabase(dbPath)
  const ctx = {config: loadConfig({env: {}, dbPath}), db, logger: silentLogger, clock: fixedClock(now)}
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
