// Work started over HTTP that runs after the reply (job runs, refreshes): recorded as a task row, running
// then its outcome, and waited for on shutdown.
import type {Context} from '../context.js'
import {finishTask, insertTask, type TaskKind, type TaskOutcome} from '../db/api-tasks.js'

export interface TaskResult {
  status: TaskOutcome
  result: Record<string, unknown> | null
  error?: string
}

export class BackgroundTasks {
  private readonly pending = new Set<Promise<void>>()

  constructor(private readonly ctx: Context) {}

  /** Records the task, starts `work` once the reply has gone out, and returns the task's id. */
  start(task: {kind: TaskKind; target: string; requestedBy: string}, work: () => Promise<TaskResult>): Promise<number> {
    const {ctx} = this
    const recorded = insertTask(ctx.db, {...task, createdAt: ctx.clock.now()})
    // Pending from the start: a drain that begins while the row is being written waits for the task too.
    const running: Promise<void> = recorded
      .then(
        (id) =>
          new Promise<void>((resolve) => setImmediate(resolve))
            .then(work)
            .then(
              (r) => finishTask(ctx.db, id, {...r, completedAt: ctx.clock.now()}),
              (e: Error) => finishTask(ctx.db, id, {status: 'failed', result: null, error: e.message, completedAt: ctx.clock.now()}),
            )
            .catch((e: Error) => ctx.logger.error(`recording API task ${id} failed: ${e.message}`)),
        // Not recorded, not started: the caller gets the error.
        () => undefined,
      )
      .finally(() => this.pending.delete(running))
    this.pending.add(running)
    return recorded
  }

  /** Resolves once every task started so far (and any they start) has finished. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }
}
