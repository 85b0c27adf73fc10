// Terminal rendering shared by commands: colour that is on only when asked for, and aligned tables.
import {Chalk} from 'chalk'

export interface Painter {
  level(level: 'debug' | 'info' | 'warn' | 'error', text: string): string
  good(text: string): string
  bad(text: string): string
  warn(text: string): string
  dim(text: string): string
  bold(text: string): string
  /** A data source label: live green, cached plain, fallback yellow, emergency and simulated red. */
  source(source: string): string
  /** A health or job status word. */
  status(status: string): string
}

export function paint(enabled: boolean): Painter {
  const c = new Chalk({level: enabled ? 1 : 0})
  const levels = {debug: c.gray, info: c.cyan, warn: c.yellow, error: c.red.bold}
  return {
    level: (level, text) => levels[level](text),
    good: (t) => c.green(t),
    bad: (t) => c.red(t),
    warn: (t) => c.yellow(t),
    dim: (t) => c.dim(t),
    bold: (t) => c.bold(t),
    source: (s) => (s === 'live' ? c.green(s) : s === 'fallback' ? c.yellow(s) : s === 'emergency' || s === 'simulated' ? c.red(s) : s),
    status: (s) =>
      ['healthy', 'success', 'ok', 'created'].includes(s)
        ? c.green(s)
        : ['degraded', 'skipped', 'resolved', 'would resolve', 'cancelled'].includes(s)
          ? c.yellow(s)
          : ['unhealthy', 'failed', 'error', 'timeout', 'crashed'].includes(s)
            ? c.red(s)
            : s,
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;]*m/g
const width = (text: string) => text.replace(ANSI, '').length

/** Rows under a header, columns padded to their widest cell (colour codes do not count). */
export function table(header: string[], rows: string[][], painter?: Painter): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i] - width(cell))))
      .join('  ')
      .trimEnd()
  const head = line(header)
  return [painter ? painter.bold(head) : head, ...rows.map(line)].join('\n')
}
