// Colour for a terminal (chalk): loaded only when some output goes to a terminal that wants colour.
import {Chalk} from 'chalk'

import type {Painter} from './terminal.js'

export function colourPainter(): Painter {
  const c = new Chalk({level: 1})
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
