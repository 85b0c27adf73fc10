// HARBORMASTER_AIS_SOURCE parsed into what to connect to.

export type AisSourceSpec =
  | {kind: 'sample'}
  | {kind: 'nmea-file'; path: string}
  | {kind: 'nmea-tcp'; host: string; port: number}
  | {kind: 'nmea-udp'; port: number}
  | {kind: 'aisstream'}
  | {kind: 'aishub'}

export function parseAisSource(value: string): AisSourceSpec {
  if (value === 'sample' || value === 'aisstream' || value === 'aishub') return {kind: value}
  if (value.startsWith('nmea-file:')) return {kind: 'nmea-file', path: value.slice('nmea-file:'.length)}
  const tcp = /^nmea-tcp:(.+):(\d+)$/.exec(value)
  if (tcp) return {kind: 'nmea-tcp', host: tcp[1], port: Number(tcp[2])}
  const udp = /^nmea-udp:(\d+)$/.exec(value)
  if (udp) return {kind: 'nmea-udp', port: Number(udp[1])}
  throw new Error(`unknown AIS source ${JSON.stringify(value)}`)
}
