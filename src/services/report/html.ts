// The report as one self-contained HTML page: styles inline, the map inline as SVG, no external URL, so it
// opens the same from a mail attachment, a file share or a machine without network.
import type {ReportFigures, ReportMap} from '../../schemas/report.js'
import {type Cell, reportTables, type ReportTable, utcText} from './tables.js'

const STYLE = `
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px;color:#222;background:#fff;font-size:14px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 6px}
p.period,p.note{color:#555;margin:2px 0 8px}
figure{margin:12px 0}
figure svg{width:100%;height:auto;max-width:1600px;border:1px solid #ccc}
figcaption{color:#555;margin-top:4px}
table{border-collapse:collapse;margin:6px 0 4px}
th,td{border:1px solid #d0d0d0;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.num{text-align:right;font-variant-numeric:tabular-nums}
span.dot,span.diamond{display:inline-block;width:10px;height:10px;margin-right:6px;border:1px solid #333;vertical-align:-1px}
span.dot{border-radius:50%}
span.diamond{transform:rotate(45deg);width:8px;height:8px}
footer{margin-top:28px;color:#777;font-size:12px}
`

export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&${{'&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39'}[c]};`)

function cell(c: Cell): string {
  const swatch = c.swatch ? `<span class="${c.swatch.shape}" style="background:${c.swatch.colour}"></span>` : ''
  return `<td${c.numeric ? ' class="num"' : ''}>${swatch}${escapeHtml(c.text)}</td>`
}

function table(t: ReportTable): string {
  const out = [`<section id="${t.id}">`, `<h2>${escapeHtml(t.title)}</h2>`]
  if (t.note) out.push(`<p class="note">${escapeHtml(t.note)}</p>`)
  if (t.rows.length === 0) {
    out.push(`<p class="empty">${escapeHtml(t.empty)}</p>`, '</section>')
    return out.join('\n')
  }
  out.push('<table>', `<thead><tr>${t.headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`, '<tbody>')
  for (const row of t.rows) out.push(`<tr>${row.map(cell).join('')}</tr>`)
  out.push('</tbody>', '</table>', '</section>')
  return out.join('\n')
}

export function reportHtml(figures: ReportFigures, map: {svg: string; figures: ReportMap}): string {
  const m = map.figures
  const levels = Object.entries(m.ports_by_level)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${n.toLocaleString('en-US')} ${level.replaceAll('_', ' ')}`)
    .join(', ')
  const caption =
    `${m.ports_drawn.toLocaleString('en-US')} ports (${levels}); ${m.zones_drawn} zones in force; ` +
    `${m.events_drawn} events of the period with a position${m.events_without_position > 0 ? ` (${m.events_without_position} without)` : ''}.`
  // The SVG's own XML prolog-free markup is valid inside HTML as it is.
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>harbormaster report ${escapeHtml(utcText(figures.period.until))}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    '<h1>harbormaster report</h1>',
    `<p class="period">From ${escapeHtml(utcText(figures.period.since))} to ${escapeHtml(utcText(figures.period.until))}; generated ${escapeHtml(utcText(figures.generated_at))}.</p>`,
    '</header>',
    '<main>',
    '<section id="map">',
    '<h2>World map</h2>',
    '<figure>',
    map.svg,
    `<figcaption>${escapeHtml(caption)}</figcaption>`,
    '</figure>',
    '</section>',
    ...reportTables(figures).map(table),
    '</main>',
    `<footer>Land: ${escapeHtml(m.land)}. Projection: Natural Earth. Every figure carries its source: live, cached, fallback or emergency (shipped data).</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n')
}
