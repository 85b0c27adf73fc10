// One vessel as `vessels show` tells it: identity, its latest accepted position and where that came from,
// its recent events, and its profile (the stored one, or computed live before the first refresh).
import type {VesselDetails} from '../../schemas/vessels.js'
import {shipTypeText} from '../ais/ship-types.js'
import {iso} from '../clock.js'
import type {Context} from '../context.js'
import {vesselByMmsi} from '../db/vessels.js'
import {HarbormasterError} from '../errors.js'
import {distressDevice} from '../safety/distress.js'
import {eventListing} from '../safety/catalog.js'
import {vesselProfile} from './profile.js'

export type {VesselDetails} from '../../schemas/vessels.js'

export async function vesselDetails(ctx: Context, mmsi: number, options: {events?: number} = {}): Promise<VesselDetails> {
  const v = await vesselByMmsi(ctx.db, mmsi)
  if (!v) {
    throw new HarbormasterError(`no vessel with MMSI ${mmsi} is stored`, {
      hint: 'check the MMSI; a vessel is stored once the vessels job has accepted a report of it',
    })
  }
  const profile = await vesselProfile(ctx, mmsi)
  return {
    mmsi: v.mmsi,
    imo: v.imo,
    name: v.name,
    callsign: v.callsign,
    ship_type: v.shipType,
    ship_type_text: shipTypeText(v.shipType),
    device: distressDevice(v.mmsi),
    flag: v.flag,
    length_m: v.lengthM,
    beam_m: v.beamM,
    draught_m: v.draughtM,
    destination: v.destination,
    position:
      v.lat === null || v.lon === null
        ? null
        : {
            lat: v.lat,
            lon: v.lon,
            sog: v.sog,
            cog: v.cog,
            heading: v.heading,
            nav_status: v.navStatus,
            utc_second: v.utcSecond,
            observed_at: iso(v.positionAt),
            source: v.positionSource,
          },
    positions_24h: profile.row.positions24h,
    events: await eventListing(ctx, {mmsi, limit: options.events ?? 20}),
    profile: profile.view,
  }
}
