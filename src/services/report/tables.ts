// The report's tables as rows of words and numbers, one model for the HTML page and the Markdown variant:
// the most congested ports, the period's events by type, port calls, job health and data sources.
import type {ReportFigures} from '../../schemas/report.js'
import {EVENT_STYLES, portStyle} from './palette.js'

export interface Cell {
  text: string
  /** A colour sample shown before the text in HTML; the text always says the same in words. */
  swatch?: {shape: 'dot' | 'diamond'; colour: string}
  numeric?: boolean
}

export interface ReportTable {
  id: string
  title: string
  note?: string
  headers: string[]
  rows: Cell[][]
  /** What the table says when it has no rows. */
  empty: string
}

const text = (value: string | null | undefined, none = '-'): Cell => ({text: value === null || value === undefined || value === '' ? none : value})
const num = (value: number | null | undefined, digits = 0): Cell => ({
  text: value === null || value === undefined ? '-' : value.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits}),
  numeric: true,
})
/** 2026-11-24 12:00 UTC */
export const utcText = (time: string | null | undefined) => (time ? `${time.slice(0, 10)} ${time.slice(11, 16)} UTC` : '-')
const words = (code: string) => code.replaceAll('_', ' ')
const bySource = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([source, n]) => `${source} ${n.toLocaleString('en-US')}`)
    .join(', ')

const DATASET_WORDS: Record<ReportFigures['datasets'][number]['dataset'], string> = {
  port_congestion: 'port congestion (latest snapshot of each port)',
  safety_zones: 'safety zones (in force)',
  safety_events: 'safety events (created in the period)',
  vessel_positions: 'vessel positions (vessels heard in the period)',
}

export function reportTables(figures: ReportFigures): ReportTable[] {
  return [
    {
      id: 'congested-ports',
      title: 'Most congested ports',
      note: "Each port's latest snapshot, worst level first. Waiting: merchant ships at anchorage; usual: the port's own baseline; median wait: time ships waited at anchorage over 7 days.",
      headers: ['Port', 'UN/LOCODE', 'Country', 'Level', 'Waiting', 'At berth', 'Usual', 'Median wait (h)', 'Waits counted', 'Trend', 'Source', 'Observed'],
      rows: figures.congested_ports.map((p) => {
        const style = portStyle(p.level)
        return [
          text(p.name),
          text(p.unlocode),
          text(p.country),
          {text: style.word, swatch: {shape: 'dot', colour: style.fill}},
          num(p.waiting),
          num(p.at_berth),
          num(p.baseline, 1),
          num(p.median_wait_hours, 1),
          num(p.waits_counted),
          text(p.trend),
          text(p.source),
          text(utcText(p.observed_at)),
        ]
      }),
      empty: 'No congestion snapshots yet: run `harbormaster run-background-jobs --job ports`.',
    },
    {
      id: 'events-by-type',
      title: 'New events by type',
      note: 'Events created in the period; open: not yet resolved.',
      headers: ['Type', 'Code', 'Created', 'Open', 'Sources', 'Newest'],
      rows: figures.events_by_type.map((e) => [
        {text: EVENT_STYLES[e.type].word, swatch: {shape: 'diamond', colour: EVENT_STYLES[e.type].colour}},
        text(e.type),
        num(e.created),
        num(e.open),
        text(bySource(e.by_source)),
        text(utcText(e.newest_at)),
      ]),
      empty: 'No event types.',
    },
    {
      id: 'port-calls',
      title: 'Port calls',
      note: `Calls (3 h or more in port) in port at any time in the period, newest arrival first${figures.port_calls.more ? ` (the ${figures.port_calls.calls.length} newest shown; \`ports calls --since\` lists them all)` : ''}. Wait: stopped at anchorage before berthing.`,
      headers: ['Vessel', 'MMSI', 'Port', 'UN/LOCODE', 'Arrived', 'Departed', 'Wait at anchorage (h)', 'At berth (h)', 'In port (h)', 'Source'],
      rows: figures.port_calls.calls.map((c) => [
        text(c.vessel_name),
        text(String(c.mmsi)),
        text(c.port_name),
        text(c.unlocode),
        text(utcText(c.arrived_at)),
        text(c.departed_at === null ? 'in port' : utcText(c.departed_at)),
        num(c.waiting_hours, 1),
        num(c.at_berth_hours, 1),
        num(c.hours_in_port, 1),
        text(c.source),
      ]),
      empty: 'No port calls in the period: the behaviour job finds them in the stored positions (`harbormaster jobs run behaviour`).',
    },
    {
      id: 'job-health',
      title: 'Job health',
      headers: ['Job', 'Schedule', 'Condition', 'Last status', 'Last run', 'Failures in a row', 'Next run'],
      rows: figures.jobs.map((j) => [
        text(j.job),
        text(j.schedule_in_words),
        text(words(j.condition)),
        text(j.last_status),
        text(utcText(j.last_run_at)),
        num(j.consecutive_failures),
        text(utcText(j.next_run)),
      ]),
      empty: 'No jobs.',
    },
    {
      id: 'providers',
      title: 'Data sources: providers',
      note: 'live: fresh from the provider; cached: a stored answer; fallback: the database; emergency: data shipped with harbormaster.',
      headers: ['Provider', 'What it gives', 'Condition', 'Last answer', 'Last success', 'Last error'],
      rows: figures.providers.map((p) => [
        text(p.provider),
        text(p.description),
        text(words(p.condition)),
        text(p.last_source),
        text(utcText(p.last_success_at)),
        text(utcText(p.last_error_at)),
      ]),
      empty: 'No providers.',
    },
    {
      id: 'datasets',
      title: 'Data sources: datasets',
      note: 'Where what this report shows came from; the label is the least trustworthy source among the rows.',
      headers: ['Dataset', 'Rows', 'By source', 'Label', 'Newest'],
      rows: figures.datasets.map((d) => [text(DATASET_WORDS[d.dataset]), num(d.rows), text(bySource(d.by_source)), text(d.label), text(utcText(d.newest_at))]),
      empty: 'No datasets.',
    },
  ]
}
