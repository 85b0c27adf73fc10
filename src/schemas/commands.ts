// Every command's --json result as a zod schema, by command id: `harbormaster schema <command>` prints it
// as JSON Schema, schemas/ holds them all, and tests check each command's real output against its own.
import {z} from 'zod'

import {alertPlan, alertRule, alertRuleList, ruleEnabled, ruleRemoved, workerStats} from './alerts.js'
import {decodedAisMessage} from './ais.js'
import {count} from './common.js'
import {systemCheck} from './config.js'
import {healthReport} from './health.js'
import {archiveList, archiveRestoreResult} from './archive.js'
import {backgroundJobsSummary, crontab, dueRuns, jobHistory, jobList, jobRunResult, jobRunResults, pauses, resumed, scheduleList} from './jobs.js'
import {copyResult, fallbackReport, migrateResult, restoreResult} from './maintenance.js'
import {congestionGeoJson, portCallsReport, portCongestionReport} from './ports.js'
import {deleted, enqueued, purged, queuedJob, queuedJobList, queuePauses, queueResumed, queueStatsReport, retried} from './queue.js'
import {providerStatusList, providerUsageMonths} from './providers.js'
import {reportResult} from './report.js'
import {eventCheckResult, eventList, eventsGeoJson, zoneList, zonesGeoJson} from './safety.js'
import {createdUser, userList, userRemoved, watch, watchList, watchRemoved} from './users.js'
import {trackGeoJson, vesselDetails, vesselList, vesselTrack} from './vessels.js'
import {workerList, workerRunStats} from './workers.js'

export const serveResult = z.object({
  stopped: z.literal(true),
  address: z.string().describe('where it listened, e.g. http://127.0.0.1:8000'),
  requests_abandoned: count.describe('requests whose client had gone before their work started'),
})

export const jsonSchemaDocument = z.record(z.string(), z.unknown()).describe('a JSON Schema (draft 2020-12) document')
export const schemaIndex = z.object({
  commands: z.array(z.object({command: z.string(), description: z.string(), json_lines: z.boolean()})),
})

export interface CommandResult {
  schema: z.ZodType
  /** --json prints one document per line (JSON Lines), each of this schema, rather than one document. */
  jsonLines?: boolean
}

/** Each command's --json output. Commands whose output depends on a flag (--format, --dry-run) list each shape. */
export const COMMAND_RESULTS = {
  'ais decode': {schema: decodedAisMessage.describe('ais decode --json: one decoded message per line (JSON Lines)'), jsonLines: true},
  'alert-worker': {schema: z.union([workerStats, alertPlan, systemCheck]).describe('alert-worker --json: its statistics when it stops; with --dry-run the plan; with --config-check the system check')},
  'alerts add': {schema: alertRule.describe('alerts add --json: the rule added')},
  'alerts disable': {schema: ruleEnabled},
  'alerts enable': {schema: ruleEnabled},
  'alerts list': {schema: alertRuleList},
  'alerts remove': {schema: ruleRemoved},
  'check-events': {schema: eventCheckResult},
  cleanup: {schema: jobRunResults.cleanup},
  'config check': {schema: systemCheck},
  'db archive': {schema: jobRunResults.archive},
  'db archive list': {schema: archiveList},
  'db archive restore': {schema: archiveRestoreResult},
  'db backup': {schema: jobRunResults.backup},
  'db maintain': {schema: jobRunResults.maintain},
  'db copy': {schema: copyResult.describe('db copy --json: what was copied, table by table')},
  'db migrate': {schema: migrateResult},
  'db restore': {schema: restoreResult},
  'ensure-fallback-data': {schema: fallbackReport},
  'events list': {schema: z.union([eventList, eventsGeoJson]).describe('events list --json: the events; with --format geojson a FeatureCollection of points')},
  health: {schema: healthReport},
  'jobs history': {schema: jobHistory},
  'jobs list': {schema: jobList},
  'jobs pause': {schema: pauses.describe('jobs pause --json: every pause now in force')},
  'jobs resume': {schema: resumed},
  'jobs run': {schema: jobRunResult},
  'jobs run-due': {schema: dueRuns},
  'ports calls': {schema: portCallsReport},
  'ports congestion': {schema: z.union([portCongestionReport, congestionGeoJson]).describe('ports congestion --json: the report; with --format geojson a FeatureCollection of points')},
  'providers probe': {schema: jobRunResults['health-check']},
  'providers status': {schema: providerStatusList},
  'providers quota-monitor': {schema: jobRunResults['quota-monitor']},
  'providers quota-reset': {schema: jobRunResults['quota-reset']},
  'providers usage': {schema: providerUsageMonths},
  'queue delete': {schema: deleted},
  'queue enqueue': {schema: enqueued.describe('queue enqueue --json: the job enqueued, or (duplicate: true) the one holding its unique key')},
  'queue list': {schema: queuedJobList},
  'queue pause': {schema: queuePauses.describe('queue pause --json: every queue pause now in force')},
  'queue purge': {schema: purged},
  'queue resume': {schema: queueResumed},
  'queue retry': {schema: retried},
  'queue show': {schema: queuedJob},
  'queue stats': {schema: queueStatsReport},
  report: {schema: reportResult.describe('report --json: the files written and the figures of its tables; with --format md and no --out, the Markdown too')},
  'run-background-jobs': {schema: backgroundJobsSummary},
  'schedule crontab': {schema: crontab},
  'schedule list': {schema: scheduleList},
  schema: {schema: z.union([jsonSchemaDocument, schemaIndex]).describe('schema --json: the JSON Schema of a command; without a command, the commands that have one')},
  serve: {schema: serveResult.describe('serve --json: printed when it stops')},
  'usage-report': {schema: jobRunResults['usage-report']},
  'users add': {schema: createdUser},
  'users list': {schema: userList},
  'users remove': {schema: userRemoved},
  'vessels list': {schema: vesselList},
  'vessels profiles refresh': {schema: jobRunResults['profile-refresh']},
  'vessels show': {schema: vesselDetails},
  'vessels track': {schema: z.union([vesselTrack, trackGeoJson]).describe('vessels track --json: the reports; with --format geojson a FeatureCollection with the track line and a point per report')},
  'watch add': {schema: watch},
  'weekly-summary': {schema: jobRunResults['weekly-summary']},
  'watch list': {schema: watchList},
  'watch remove': {schema: watchRemoved},
  worker: {schema: workerRunStats.describe('worker --json: what the worker did, printed when it stops')},
  'workers list': {schema: workerList},
  'zones list': {schema: z.union([zoneList, zonesGeoJson]).describe('zones list --json: the zones; with --format geojson a FeatureCollection with their outlines')},
} as const satisfies Record<string, CommandResult>

export type CommandId = keyof typeof COMMAND_RESULTS
export type ResultOf<C extends CommandId> = z.infer<(typeof COMMAND_RESULTS)[C]['schema']>

export const COMMAND_IDS = Object.keys(COMMAND_RESULTS) as CommandId[]

export function isCommandId(id: string): id is CommandId {
  return Object.hasOwn(COMMAND_RESULTS, id)
}

/** A command's result as JSON Schema (draft 2020-12), titled with the command. */
export function commandJsonSchema(id: CommandId): Record<string, unknown> {
  const {schema, jsonLines} = COMMAND_RESULTS[id] as CommandResult
  const document = z.toJSONSchema(schema, {io: 'output', unrepresentable: 'any'})
  return {
    $schema: document.$schema,
    $id: `harbormaster/${id.replaceAll(' ', '-')}.json`,
    title: `harbormaster ${id} --json`,
    ...(jsonLines ? {'x-json-lines': true} : {}),
    ...Object.fromEntries(Object.entries(document).filter(([key]) => key !== '$schema')),
  }
}

/** The files of the schemas/ folder: one per command, named by its id (`alerts list` → alerts-list.json). */
export function schemaFiles(): Map<string, string> {
  return new Map(COMMAND_IDS.map((id) => [`${id.replaceAll(' ', '-')}.json`, `${JSON.stringify(commandJsonSchema(id), null, 2)}\n`]))
}
