// Time as a collaborator, so tests can move it; everything stored is UTC epoch milliseconds.

export interface Clock {
  now(): number
}

export const systemClock: Clock = {now: () => Date.now()}

/** A clock fixed at `at` (ms or ISO string) that tests advance by hand. */
export function fixedClock(at: number | string): Clock & {advance(ms: number): void; set(at: number | string): void} {
  let current = typeof at === 'number' ? at : Date.parse(at)
  return {
    now: () => current,
    advance(ms: number) {
      current += ms
    },
    set(next: number | string) {
      current = typeof next === 'number' ? next : Date.parse(next)
    },
  }
}

export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString()
}
