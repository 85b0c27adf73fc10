// Vessels as `vessels list` and `vessels track` print them: one line per vessel, one line per report.
import type {VesselList, VesselTrack} from '../schemas/vessels.js'
import {type Painter, table} from './terminal.js'

const minute = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')}Z` : '-')
const second = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')}Z`
const knots = (sog: number | null) => (sog === null ? '-' : sog.toFixed(1))
const degrees = (value: number | null) => (value === null ? '-' : value.toFixed(0))

export function renderVesselList(list: VesselList, p: Painter): string {
  if (list.vessels.length === 0) return `no vessels${list.port ? ` in ${list.port.name}` : ''} match`
  const withPlace = list.port !== null
  const header = ['mmsi', 'name', 'type', 'flag', 'lat', 'lon', 'sog', 'observed', 'source', ...(withPlace ? ['place'] : [])]
  const rows = list.vessels.map((v) => [
    String(v.mmsi),
    v.name ?? '-',
    v.ship_type_class === 'unknown' && v.ship_type !== null ? `unknown (${v.ship_type})` : v.ship_type_class,
    v.flag ?? '-',
    v.lat.toFixed(5),
    v.lon.toFixed(5),
    knots(v.sog),
    minute(v.observed_at),
    p.source(v.source ?? '-'),
    ...(withPlace ? [v.place ?? '-'] : []),
  ])
  const where = list.port ? ` in ${list.port.name}${list.port.unlocode ? ` (${list.port.unlocode})` : ''}` : ''
  const tail = list.more ? `, more match: raise --limit or narrow the search` : ''
  return `${table(header, rows, p)}\n${list.returned} vessels${where}${tail}`
}

export function renderTrack(track: VesselTrack, p: Painter): string {
  const title = p.bold(`${track.name ?? 'unnamed vessel'} (MMSI ${track.mmsi}), ${minute(track.since)} to ${minute(track.until)}`)
  if (track.reports.length === 0) {
    return `${title}\nno reports in this window${track.latest_at ? `; its latest position is from ${minute(track.latest_at)}` : ''}`
  }
  const rows = track.reports.map((r) => [
    second(r.observed_at),
    r.lat.toFixed(5),
    r.lon.toFixed(5),
    knots(r.sog),
    degrees(r.cog),
    r.nav_status === null ? '-' : String(r.nav_status),
    p.source(r.source),
    r.held ? p.warn('held back (jump)') : '',
  ])
  const held = track.reports.filter((r) => r.held).length
  const notes = [`${track.returned} reports`, ...(held > 0 ? [`${held} held back by the track rule`] : []), ...(track.truncated ? ['older reports left out: raise --limit'] : [])]
  return `${title}\n${table(['observed', 'lat', 'lon', 'sog', 'cog', 'nav', 'source', 'note'], rows, p)}\n${notes.join(', ')}`
}
