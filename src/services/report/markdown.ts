// The report as Markdown for chat and mail: the same tables as the page, and the map as a link to its PNG
// when the files were written beside it.
import type {ReportFigures, ReportMap} from '../../schemas/report.js'
import {reportTables, type ReportTable, utcText} from './tables.js'

/** A table cell: pipes and line breaks would end the cell or the row. */
const escapeCell = (text: string) => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ')

function table(t: ReportTable): string {
  const out = [`## ${t.title}`, '']
  if (t.note) out.push(t.note, '')
  if (t.rows.length === 0) {
    out.push(t.empty, '')
    return out.join('\n')
  }
  out.push(`| ${t.headers.map(escapeCell).join(' | ')} |`)
  out.push(`|${t.headers.map((_, k) => (t.rows[0][k]?.numeric ? ' ---: ' : ' --- ')).join('|')}|`)
  for (const row of t.rows) out.push(`| ${row.map((c) => escapeCell(c.text)).join(' | ')} |`)
  out.push('')
  return out.join('\n')
}

/** `map.png` is the PNG's name beside the Markdown file; null when no map was drawn. */
export function reportMarkdown(figures: ReportFigures, map: {png: string; figures: ReportMap} | null): string {
  const out = [
    '# harbormaster report',
    '',
    `From ${utcText(figures.period.since)} to ${utcText(figures.period.until)}; generated ${utcText(figures.generated_at)}.`,
    '',
  ]
  if (map) {
    const m = map.figures
    out.push(
      `![World map: ports by congestion level, safety zones in force, the period's events](${map.png})`,
      '',
      `Map: ${m.ports_drawn} ports, ${m.zones_drawn} zones in force, ${m.events_drawn} events with a position.`,
      '',
    )
  }
  out.push(...reportTables(figures).map(table))
  return out.join('\n')
}
