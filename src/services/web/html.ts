// HTML written as template literals with every interpolated value escaped: the web page's one way to build
// markup. `html` escapes, `raw` marks text that is already markup, arrays are joined, null/undefined/false vanish.

const ESCAPES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}

/** Markup that is safe to send: built by `html` or marked by `raw`. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | ReadonlyArray<HtmlValue>

export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c])
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeText(String(value))
}

/** A template literal tag: `html\`<td>${name}</td>\`` escapes `name`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]
  return new Html(out)
}

/** Text that is already markup (an SVG drawn by harbormaster, a fragment built by `html`). Never user input. */
export function raw(markup: string): Html {
  return new Html(markup)
}
