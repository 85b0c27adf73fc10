// Reconnect and retry delays (feeds, HTTP retries): exponential, capped, with full jitter, so a long outage never becomes a storm.

export function backoffDelay(attempt: number, baseMs = 500, capMs = 10_000, random: () => number = Math.random): number {
  return random() * Math.min(capMs, baseMs * 2 ** attempt)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
}
