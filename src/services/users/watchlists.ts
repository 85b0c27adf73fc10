// Watchlists: what each user wants to hear about, a vessel (MMSI), a port, or an area box.
import type {Watch} from '../../schemas/users.js'

import type {Context} from '../context.js'
import {portsByCode} from '../db/ports.js'
import {deleteWatch, insertWatch, listedWatches, type NewWatch} from '../db/users.js'
import {usageError} from '../errors.js'
import {findUser} from './users.js'

export interface WatchInput {
  user: string
  vessel?: string
  port?: string
  area?: string
}

/** minLon,minLat,maxLon,maxLat; minLon > maxLon means the box spans the antimeridian. */
export function parseArea(text: string): [number, number, number, number] {
  const parts = text.split(',').map((p) => Number(p.trim()))
  if (parts.length !== 4 || parts.some((p) => !Number.isFinite(p))) {
    throw usageError(`area ${JSON.stringify(text)} is not minLon,minLat,maxLon,maxLat`, 'e.g. --area 103.5,1.0,104.5,1.5')
  }
  const [minLon, minLat, maxLon, maxLat] = parts
  if (Math.abs(minLon) > 180 || Math.abs(maxLon) > 180 || Math.abs(minLat) > 90 || Math.abs(maxLat) > 90) {
    throw usageError(`area ${text} is outside -180..180 / -90..90`)
  }
  if (minLat >= maxLat) throw usageError(`area ${text}: minLat must be below maxLat`)
  return [minLon, minLat, maxLon, maxLat]
}

/** A port by UN/LOCODE (GRPIR), World Port Index number, or harbormaster id. */
export async function findPort(ctx: Context, ref: string) {
  const rows = await portsByCode(ctx.db, ref)
  if (rows.length === 1) return rows[0]
  if (rows.length > 1) throw usageError(`port ${ref} matches ${rows.length} ports`, `use a World Port Index number: ${rows.map((r) => `${r.wpiNumber} (${r.name})`).join(', ')}`)
  return undefined
}

export async function addWatch(ctx: Context, input: WatchInput): Promise<Watch> {
  const user = await findUser(ctx, input.user)
  if (!user) throw usageError(`no user ${input.user}`, 'add one with `harbormaster users add`')
  const given = [input.vessel, input.port, input.area].filter((v) => v !== undefined)
  if (given.length !== 1) throw usageError('give exactly one of --vessel, --port or --area')
  const now = ctx.clock.now()
  let values: NewWatch
  if (input.vessel !== undefined) {
    if (!/^\d{9}$/.test(input.vessel)) throw usageError(`MMSI ${JSON.stringify(input.vessel)} is not 9 digits`)
    values = {userId: user.id, kind: 'vessel', mmsi: Number(input.vessel), createdAt: now}
  } else if (input.port !== undefined) {
    const port = await findPort(ctx, input.port)
    if (!port) throw usageError(`no port ${input.port}`, 'use a UN/LOCODE (GRPIR) or World Port Index number; load ports with `harbormaster ensure-fallback-data`')
    values = {userId: user.id, kind: 'port', portId: port.id, createdAt: now}
  } else {
    const [minLon, minLat, maxLon, maxLat] = parseArea(input.area as string)
    values = {userId: user.id, kind: 'area', minLon, minLat, maxLon, maxLat, createdAt: now}
  }
  const id = await insertWatch(ctx.db, values)
  return (await describeWatch(ctx, id)) as Watch
}

export async function describeWatch(ctx: Context, id: number): Promise<Watch | undefined> {
  return (await listWatches(ctx)).find((w) => w.id === id)
}

export async function listWatches(ctx: Context, userRef?: string): Promise<Watch[]> {
  const user = userRef ? await findUser(ctx, userRef) : undefined
  if (userRef && !user) throw usageError(`no user ${userRef}`)
  return (await listedWatches(ctx.db, user?.id)).map(({watch: w, user: name, port, unlocode}) => ({
    id: w.id,
    user: name,
    kind: w.kind,
    target:
      w.kind === 'vessel'
        ? `MMSI ${w.mmsi}`
        : w.kind === 'port'
          ? `${port}${unlocode ? ` (${unlocode})` : ''}`
          : `${w.minLon},${w.minLat},${w.maxLon},${w.maxLat}`,
    mmsi: w.mmsi,
    port_id: w.portId,
    area: w.kind === 'area' ? ([w.minLon, w.minLat, w.maxLon, w.maxLat] as [number, number, number, number]) : null,
  }))
}

export async function removeWatch(ctx: Context, id: number, userRef?: string): Promise<{removed: number}> {
  const user = userRef ? await findUser(ctx, userRef) : undefined
  const removed = await deleteWatch(ctx.db, id, user?.id)
  if (!removed) throw usageError(`no watch ${id}${userRef ? ` for ${userRef}` : ''}`, 'see `harbormaster watch list`')
  return {removed: id}
}
