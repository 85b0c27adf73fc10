// `report`: gathers the period's figures, draws the world map (SVG and PNG) and writes the HTML page or the
// Markdown variant to a folder; returns what it wrote and the figures its tables show.
import {mkdirSync, renameSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

import type {ReportFile, ReportMap, ReportResult} from '../../schemas/report.js'
import type {Context} from '../context.js'
import {usageError} from '../errors.js'
import {gatherReport} from './gather.js'
import {reportHtml} from './html.js'
import {reportMarkdown} from './markdown.js'
import {drawWorldMap, landDescription, renderPng} from './world-map.js'

export type ReportFormat = ReportResult['format']

export interface ReportOptions {
  sinceMs: number
  format: ReportFormat
  /** Where to write; without it HTML goes to the default folder and Markdown to stdout. */
  outDir?: string
  /** What relative paths (and the default folder) are resolved against. */
  cwd: string
}

export interface WrittenReport {
  result: ReportResult
  /** Markdown to print on stdout (Markdown without --out). */
  markdown?: string
}

export const REPORT_FILES = {html: 'report.html', markdown: 'report.md', svg: 'map.svg', png: 'map.png'} as const

/** The default folder: var/reports/<end of the period> under the working directory, one folder per report. */
export function defaultReportDir(cwd: string, until: number): string {
  const stamp = new Date(until).toISOString().slice(0, 16).replace(/:/g, '')
  return join(cwd, 'var', 'reports', `${stamp}Z`)
}

export async function writeReport(ctx: Context, options: ReportOptions): Promise<WrittenReport> {
  const data = await gatherReport(ctx, {sinceMs: options.sinceMs})
  const {figures} = data
  const until = Date.parse(figures.period.until)
  const outDir = options.outDir !== undefined ? resolve(options.cwd, options.outDir) : options.format === 'html' ? defaultReportDir(options.cwd, until) : null

  if (outDir === null) {
    const markdown = reportMarkdown(figures, null)
    return {result: {...figures, format: options.format, out_dir: null, files: [], map: null}, markdown}
  }

  const drawn = drawWorldMap(data.layers)
  const png = await renderPng(drawn.svg)
  const map: ReportMap = {
    projection: 'natural_earth_1',
    land: landDescription(),
    width: drawn.width,
    height: drawn.height,
    ports_drawn: drawn.portsDrawn,
    ports_by_level: data.portsByLevel,
    zones_drawn: drawn.zonesDrawn,
    zones_by_kind: data.zonesByKind,
    events_drawn: drawn.eventsDrawn,
    events_without_position: data.eventsWithoutPosition,
  }
  try {
    mkdirSync(outDir, {recursive: true})
  } catch (error) {
    throw usageError(`cannot create the report folder ${outDir}: ${(error as Error).message}`, 'pass --out with a folder you can write to')
  }
  const files: ReportFile[] = []
  const put = (kind: ReportFile['kind'], name: string, content: string | Buffer) => {
    const path = join(outDir, name)
    // Written beside and renamed: whoever reads the folder (a mailer, a web server) never sees half a file.
    const partial = `${path}.partial-${process.pid}`
    writeFileSync(partial, content)
    renameSync(partial, path)
    files.push({kind, path, bytes: Buffer.byteLength(content)})
  }
  if (options.format === 'html') put('html', REPORT_FILES.html, reportHtml(figures, {svg: drawn.svg, figures: map}))
  else put('markdown', REPORT_FILES.markdown, reportMarkdown(figures, {png: REPORT_FILES.png, figures: map}))
  put('svg', REPORT_FILES.svg, `<?xml version="1.0" encoding="UTF-8"?>\n${drawn.svg}\n`)
  put('png', REPORT_FILES.png, png)
  return {result: {...figures, format: options.format, out_dir: outDir, files, map}}
}
