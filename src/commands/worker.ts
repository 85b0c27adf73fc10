import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {ResultOf} from '../schemas/commands.js'
// Light (no dependencies beyond the error type): --grace is read where settings are, before run().
import {parseDuration} from '../services/duration.js'

export default class Worker extends BaseCommand<typeof Worker> {
  static override summary = 'Run queued jobs on a pool of slots, the queues served by weight, until stopped (or until nothing is due).'
  static override description = `Registers itself (host, pid, queues, concurrency; see \`workers list\`) and keeps a heartbeat; a worker
silent longer than HARBORMASTER_WORKER_HEARTBEAT_SECONDS is lost and its jobs go back to the queue. When all
slots are busy each queue gets its weight's share of them (critical=6,analysis=2,compliance=1,default=1:
60/20/10/10 %); --strict always takes the highest-weight queue with due jobs first. Paused queues are skipped.

SIGTERM or SIGINT: no new jobs; running jobs may finish within the grace period, the rest go back to the
queue unharmed (the attempt is not counted), then the statistics are printed and the worker exits 0. A
second signal returns the running jobs at once.

--scheduler: the registry's schedules run as queued jobs, enqueued by one leader among all workers on all
hosts, each slot once; after downtime only the most recent missed slot runs.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --queues critical=6,analysis=2 --concurrency 20',
    '<%= config.bin %> <%= command.id %> --queues default --strict --grace 2m',
    '<%= config.bin %> <%= command.id %> --scheduler                 # also enqueue the registry\'s schedules',
    '* * * * * cd /opt/harbormaster && ./bin/run.js worker --drain --scheduler --quiet   # cron: what is due, then exit',
  ]

  static override runsUntilStopped = true

  static override flags = {
    queues: Flags.string({
      description: 'Queues to serve and their weights [default: $HARBORMASTER_QUEUE_WEIGHTS or critical=6,analysis=2,compliance=1,default=1].',
      helpValue: '<queue=weight,...>',
    }),
    concurrency: Flags.integer({char: 'c', description: 'Jobs run at once [default: $HARBORMASTER_WORKER_CONCURRENCY or 10].', min: 1, max: 256}),
    drain: Flags.boolean({description: 'Run until nothing is due in the served queues, then exit (cron, CI).'}),
    strict: Flags.boolean({description: 'Strict priority: always the highest-weight queue with due jobs first.'}),
    scheduler: Flags.boolean({description: "Also enqueue the job registry's schedules (one leader among all workers)."}),
    grace: Flags.string({
      description: 'How long running jobs may finish after SIGTERM/SIGINT, e.g. 25s or 2m [default: $HARBORMASTER_WORKER_GRACE_SECONDS or 25s].',
      helpValue: '<duration>',
    }),
  }

  protected override configOverrides() {
    return {
      ...(this.flags.concurrency === undefined ? {} : {workerConcurrency: this.flags.concurrency}),
      ...(this.flags.grace === undefined ? {} : {workerGraceSeconds: graceSeconds(this.flags.grace)}),
    }
  }

  async run(): Promise<ResultOf<'worker'>> {
    // On a terminal the status line replaces INFO lines; cron, CI and --verbose get the log lines.
    const showProgress = process.stderr.isTTY && !this.jsonEnabled() && !this.flags.quiet && !this.flags.verbose
    const ctx = await this.context({logLevel: showProgress ? 'warn' : undefined})
    const [{runWorker, servedQueues}, {statusLine, workerStatusLine}] = await Promise.all([import('../services/queue/worker.js'), import('../render/worker.js')])
    const queues = servedQueues(ctx, this.flags.queues)
    const urgent = new AbortController()
    this.onSecondSignal(() => urgent.abort())
    const line = showProgress ? statusLine(process.stderr) : undefined
    let workerId = ''
    let status: (() => Parameters<typeof workerStatusLine>[1]) | undefined
    const redraw = line && setInterval(() => status && line.update(workerStatusLine(workerId, status())), 500)
    const stats = await runWorker(ctx, {
      queues,
      strict: this.flags.strict,
      drain: this.flags.drain,
      scheduler: this.flags.scheduler,
      urgent: urgent.signal,
      onStart(worker) {
        workerId = worker.id
        status = () => worker.status()
      },
    }).finally(() => {
      if (redraw) clearInterval(redraw)
      line?.clear()
    })
    if (!this.jsonEnabled()) {
      const {renderWorkerRunStats} = await import('../render/worker.js')
      this.log(renderWorkerRunStats(stats, this.painter(process.stdout)))
    }
    return stats
  }
}

/** `--grace`: a duration (25s, 2m), or 0 to return running jobs at once. */
function graceSeconds(text: string): number {
  if (/^\s*0+[smhdw]?\s*$/i.test(text)) return 0
  return Math.ceil(parseDuration(text, '--grace') / 1000)
}
