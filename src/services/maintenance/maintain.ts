// Weekly upkeep: integrity check, ANALYZE, PRAGMA optimize, then VACUUM; reports the space reclaimed.
import {existsSync, statSync} from 'node:fs'

import type {Context} from '../context.js'
import {HarbormasterError} from '../errors.js'

export interface MaintainSummary {
  success: true
  integrity: 'ok'
  bytes_before: number
  bytes_after: number
  reclaimed_bytes: number
}

function sizeOf(path: string): number {
  return ['', '-wal'].reduce((sum, suffix) => sum + (existsSync(path + suffix) ? statSync(path + suffix).size : 0), 0)
}

export async function runMaintain(ctx: Context): Promise<MaintainSummary> {
  const {sqlite, path} = ctx.db
  const check = (sqlite.pragma('integrity_check') as Array<{integrity_check: string}>).map((r) => r.integrity_check).join('; ')
  if (check !== 'ok') throw new HarbormasterError(`database ${path} failed its integrity check: ${check}`, {hint: 'restore the last good backup with `harbormaster db restore`'})
  sqlite.pragma('wal_checkpoint(TRUNCATE)')
  const before = sizeOf(path)
  sqlite.exec('ANALYZE')
  sqlite.pragma('optimize')
  sqlite.exec('VACUUM')
  sqlite.pragma('wal_checkpoint(TRUNCATE)')
  const after = sizeOf(path)
  ctx.logger.info(`maintenance reclaimed ${before - after} bytes`, {before, after})
  return {success: true, integrity: 'ok', bytes_before: before, bytes_after: after, reclaimed_bytes: before - after}
}
