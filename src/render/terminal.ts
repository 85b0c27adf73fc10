// Terminal rendering shared by commands: colour that is on only when asked for, and aligned tables.

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

const same = (text: string) => text

/** No colour: what cron, pipes, --json, --no-color and NO_COLOR get (and chalk is never loaded for them). */
export const plainPainter: Painter = {level: (_, text) => text, good: same, bad: same, warn: same, dim: same, bold: same, source: same, status: same}

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

/** About this many characters of outside input are shown in a message: enough to recognise the line. */
export const EXCERPT_CHARS = 120

/**
 * Outside input (a rejected NMEA line) as it may be shown on a terminal: control characters, terminal
 * escape sequences and bytes outside printable ASCII written as escapes (`\x1b`, `\n`), cut to about
 * `max` characters with how much was left out. A 10 MB line or random bytes stay one readable line.
 */
export function printableExcerpt(text: string, max = EXCERPT_CHARS): string {
  let out = ''
  let i = 0
  for (; i < text.length && out.length < max; i++) {
    const code = text.charCodeAt(i)
    if (code >= 0x20 && code < 0x7f) out += text[i]
    else if (code === 0x09) out += '\\t'
    else if (code === 0x0a) out += '\\n'
    else if (code === 0x0d) out += '\\r'
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += `\\u${code.toString(16).padStart(4, '0')}`
  }
  const rest = text.length - i
  return rest > 0 ? `${out}… (${rest.toLocaleString('en-US')} more characters)` : out
}
