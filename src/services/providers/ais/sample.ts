// The `sample` AIS source: a real AIVDM capture shipped in data/ais (approaches to Piraeus, 2023-04-08),
// labelled `emergency` because it is old. Its sentences carry no times, so each report is stamped with the
// capture date plus the report's own UTC second (documented in data/PROVENANCE.md).
import {readFileSync} from 'node:fs'

import {decodeText} from '../../ais/nmea.js'
import type {AisMessage} from '../../ais/payload.js'
import {shippedFiles} from '../../datasets/paths.js'
import type {AisBatch} from './batch.js'

export function readSampleCapture(path: string = shippedFiles.aisSample): AisBatch {
  const text = readFileSync(path, 'utf8')
  const date = /^#\s*Date:\s*(\d{4}-\d{2}-\d{2})/m.exec(text)?.[1]
  if (!date) throw new Error(`AIS sample ${path} has no "# Date:" header to date its reports`)
  const base = Date.parse(`${date}T00:00:00Z`)
  const {messages, stats} = decodeText(text)
  // Seconds 60-63 are statuses (not available, manual, dead reckoning, inoperative), not times.
  const observedAtOf = (m: AisMessage) => m.received_at ?? base + (m.second != null && m.second < 60 ? m.second : 0) * 1000
  return {
    provider: 'sample',
    source: 'emergency',
    messages,
    decode: stats,
    observedAt: messages.reduce((max, m) => Math.max(max, observedAtOf(m)), base),
    observedAtOf,
  }
}
