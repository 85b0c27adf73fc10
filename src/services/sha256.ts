// SHA-256 of a short text in one call (crypto.hash, Node 20.12 or later): what every request hashes (its
// token, its session, its answer's ETag) without making a Hash object each time.
import {hash} from 'node:crypto'

export function sha256(text: string, encoding: 'hex' | 'base64url'): string
export function sha256(text: string, encoding: 'buffer'): Buffer
export function sha256(text: string, encoding: 'hex' | 'base64url' | 'buffer'): string | Buffer {
  return encoding === 'buffer' ? hash('sha256', text, 'buffer') : hash('sha256', text, encoding)
}
