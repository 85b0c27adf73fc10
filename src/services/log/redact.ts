// Keeping credentials out of everything harbormaster writes: the configured secrets (and the secret parts
// of secret URLs) masked in any text, and request URLs in the access log shown without query values that
// could carry a token.

export const MASK = '********'

/** Shorter values would mask ordinary words; no credential is this short. */
const MIN_SECRET_LENGTH = 4
/** A path segment or query value of a secret URL at least this long is treated as its token. */
const MIN_URL_TOKEN_LENGTH = 8

/**
 * What must never be written for these secret values: each value itself and, for URLs (a dead-man's-switch
 * URL carries its token in the path), the user info, long path segments and query values, so the secret
 * stays hidden when the URL is shown in another form (a `{job}` filled in, a path appended).
 */
export function secretFragments(values: Array<string | undefined>): string[] {
  const out = new Set<string>()
  for (const value of values) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue
    out.add(value)
    // As it appears inside JSON (a log file record, --json output) when it holds quotes or backslashes.
    out.add(JSON.stringify(value).slice(1, -1))
    let url: URL
    try {
      url = new URL(value)
    } catch {
      continue
    }
    const parts = [decodeURIComponent(url.username), decodeURIComponent(url.password), ...url.pathname.split('/').map(safeDecode), ...[...url.searchParams.values()]]
    for (const part of parts) if (part.length >= MIN_URL_TOKEN_LENGTH && !/[{}]/.test(part)) out.add(part)
  }
  // Longest first, so a value containing another is masked whole.
  return [...out].sort((a, b) => b.length - a.length)
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** A function masking every fragment in a text; identity when there is nothing to hide. */
export function redactor(fragments: string[]): (text: string) => string {
  if (fragments.length === 0) return (text) => text
  return (text) => {
    let out = text
    for (const fragment of fragments) if (out.includes(fragment)) out = out.split(fragment).join(MASK)
    return out
  }
}

/** Query parameters of harbormaster's API whose values say what was asked for and never carry a credential. */
const SHOWN_QUERY_PARAMETERS = new Set(['job', 'page', 'page_size', 'port', 'country', 'bbox', 'limit', 'dry_run'])

/**
 * A request URL as the access log shows it: the path, and the query with every value masked except those
 * of the API's own parameters (a client that puts `?token=…` or `?api_key=…` in a URL must not put its
 * credential in the log).
 */
export function redactRequestUrl(url: string): string {
  const q = url.indexOf('?')
  if (q < 0) return url
  const query = url.slice(q + 1)
  if (query === '') return url
  const shown = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const name = safeDecode(eq < 0 ? pair : pair.slice(0, eq))
      if (SHOWN_QUERY_PARAMETERS.has(name)) return pair
      // A plain word names the parameter (token, api_key); anything else could be the credential itself.
      const shownName = /^[a-z_]{1,24}$/i.test(name) ? name : MASK
      return eq < 0 ? shownName : `${shownName}=${MASK}`
    })
    .join('&')
  return `${url.slice(0, q)}?${shown}`
}
