// A gate for a stand-in server: requests wait at it until the test opens it, so a run stays in the middle of
// its outside call for exactly as long as the test needs (events, not timing).

export class Gate {
  private isOpen = true
  private held = 0
  private readonly opened: Array<() => void> = []
  private readonly heldWatchers: Array<{n: number; resolve: () => void}> = []

  /** Closes the gate: requests from now on wait at it (and are counted from 0 by `whenHeld`). */
  close(): this {
    this.isOpen = false
    this.held = 0
    return this
  }

  /** Opens the gate: every request waiting at it goes on, and so do later ones. */
  open(): void {
    this.isOpen = true
    for (const go of this.opened.splice(0)) go()
  }

  /** Resolves once `n` requests have come to the gate since it was closed. */
  whenHeld(n = 1): Promise<void> {
    if (this.held >= n) return Promise.resolve()
    return new Promise((resolve) => this.heldWatchers.push({n, resolve}))
  }

  /** For the server: resolves when the request may be answered. */
  pass(): Promise<void> {
    if (this.isOpen) return Promise.resolve()
    this.held++
    for (const watcher of this.heldWatchers.filter((w) => w.n <= this.held)) {
      this.heldWatchers.splice(this.heldWatchers.indexOf(watcher), 1)
      watcher.resolve()
    }
    return new Promise((resolve) => this.opened.push(resolve))
  }
}
