// What refreshes each outside source into the cache: a registry job, or one step of the safety job run
// under the safety lease. The API's refresh endpoint and the provider:refresh job read this one list.
import type {Context} from '../context.js'
import {jobSpec, type JobSummary} from '../jobs/registry.js'
import {refreshStormZones} from '../safety/storms.js'
import {refreshPortWeather} from './open-meteo.js'

export interface SourceRefresh {
  /** The job its runs are recorded as. */
  job: string
  /** The lease it runs under when not its job's own. */
  lockName?: string
  work: (c: Context) => Promise<JobSummary>
}

const vessels: SourceRefresh = {job: 'vessels', work: (c) => jobSpec('vessels').work(c)}

export const REFRESHES: Readonly<Record<string, SourceRefresh>> = {
  nws: {job: 'nws-refresh', lockName: 'safety', work: async (c) => ({success: true, ...(await refreshStormZones(c))})},
  'open-meteo': {job: 'open-meteo-refresh', lockName: 'safety', work: async (c) => ({success: true, ...(await refreshPortWeather(c))})},
  aishub: vessels,
  aisstream: vessels,
  'nmea-tcp': vessels,
  'nmea-udp': vessels,
  'nmea-file': vessels,
}

export const REFRESH_SOURCES = Object.keys(REFRESHES) as [string, ...string[]]
