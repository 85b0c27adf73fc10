// Masking credentials in what harbormaster writes, and showing outside input safely on a terminal.
import {describe, expect, it} from 'vitest'

import {printableExcerpt} from '../../src/render/terminal.js'
import {redactor, redactRequestUrl, secretFragments} from '../../src/services/log/redact.js'

describe('secret masking', () => {
  it('masks each secret, the tokens of a secret URL in any form, and their JSON-escaped forms', () => {
    const hide = redactor(secretFragments(['user-7Qx', 'https://hc.example.org/ping/5f1c3a9e-token-77/{job}', 'pa"ss\\word']))
    expect(hide('AISHub user-7Qx failed')).toBe('AISHub ******** failed')
    expect(hide('POST https://hc.example.org/ping/5f1c3a9e-token-77/vessels/fail')).toBe('POST https://hc.example.org/ping/********/vessels/fail')
    expect(hide(JSON.stringify({secret: 'pa"ss\\word'}))).toBe('{"secret":"********"}')
    expect(hide('nothing to hide')).toBe('nothing to hide')
  })

  it("shows the API's own query parameters in the access log and masks every other value", () => {
    expect(redactRequestUrl('/api/ports/congestion/?country=Greece&page_size=20')).toBe('/api/ports/congestion/?country=Greece&page_size=20')
    expect(redactRequestUrl('/api/ports/congestion/?token=hm_abc123&page=2')).toBe('/api/ports/congestion/?token=********&page=2')
    expect(redactRequestUrl('/api/x/?hm_2Vx9abcdefghijklmnop')).toBe('/api/x/?********')
    expect(redactRequestUrl('/api/system/health/')).toBe('/api/system/health/')
  })
})

describe('printable excerpts of outside input', () => {
  it('escapes control characters, terminal escapes and bytes outside ASCII', () => {
    expect(printableExcerpt('ab\u001b[31mred\u0000\u009b2J\r\n\u00ff')).toBe('ab\\x1b[31mred\\x00\\x9b2J\\r\\n\\xff')
  })

  it('cuts a long line to about 120 characters and says how much was left out', () => {
    const shown = printableExcerpt('!'.repeat(10_000_000))
    expect(shown).toBe(`${'!'.repeat(120)}… (9,999,880 more characters)`)
  })
})
