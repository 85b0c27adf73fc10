import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {ResultOf} from '../schemas/commands.js'
import {BACKGROUND_JOB_NAMES, BACKGROUND_JOBS} from '../services/jobs/names.js'


export default class RunBackgroundJobs extends BaseCommand<typeof RunBackgroundJobs> {
  static override summary = 'Run the background jobs: vessel positions, port congestion and safety events.'
  static override description = `Runs vessels (AIS intake), then ports (congestion from stored positions), then safety (storm,
piracy and congestion zones, events and notifications). \`--job behaviour\` runs the vessel behaviour pass
over the positions stored since its last pass (AIS gaps and the other behaviour events); \`all\` does not.
Each job holds a lease so two runs of one job never overlap: a second run exits 0 saying who holds it. A
failing job is counted; the others still run.
Prints a table, or with --json exactly the summary JSON. Exit 0 when every job succeeded or was skipped, 1 otherwise.
SIGINT/SIGTERM stop the running job at its next batch boundary and print what was done (exit 130/143); a
second signal exits at once.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --verbose',
    '<%= config.bin %> <%= command.id %> --job vessels --json',
    '<%= config.bin %> <%= command.id %> --job behaviour --verbose',
    'HARBORMASTER_AIS_SOURCE=nmea-udp:10110 <%= config.bin %> <%= command.id %> --job vessels --duration 30',
    '*/15 * * * * cd /opt/harbormaster && ./bin/run.js <%= command.id %> --job vessels --db /var/lib/harbormaster/harbormaster.db',
  ]

  static override flags = {
    job: Flags.option({
      description: 'Which job to run (all: the seed\'s three; behaviour runs only when named).',
      options: [...BACKGROUND_JOB_NAMES, 'all'] as const,
      default: 'all' as const,
    })(),
    jitter: Flags.integer({
      description: 'Wait a random 0..N seconds first, so many hosts do not all start at :00.',
      min: 0,
      default: 0,
      helpValue: '<seconds>',
    }),
    duration: Flags.integer({
      description: 'Seconds to read streaming AIS sources (nmea-tcp, nmea-udp, aisstream) [default: $HARBORMASTER_AIS_WINDOW_SECONDS or 60].',
      min: 1,
      helpValue: '<seconds>',
    }),
  }

  protected override configOverrides() {
    return this.flags.duration ? {aisWindowSeconds: this.flags.duration} : {}
  }

  async run(): Promise<ResultOf<'run-background-jobs'>> {
    // On a terminal the progress list replaces INFO lines; cron, CI and --verbose get the log lines.
    const showProgress = process.stderr.isTTY && !this.jsonEnabled() && !this.flags.quiet && !this.flags.verbose
    const ctx = await this.context({logLevel: showProgress ? 'warn' : undefined})
    if (this.flags.jitter > 0) {
      const {sleepUnlessCancelled} = await import('../services/cancel.js')
      await sleepUnlessCancelled(Math.random() * this.flags.jitter * 1000, ctx.signal)
    }
    const {runBackgroundJobs} = await import('../services/jobs/runner.js')
    const chosen = BACKGROUND_JOBS.filter((j) => (this.flags.job === 'all' ? j.name !== 'behaviour' : j.name === this.flags.job))
    const jobs = chosen.map((j) => j.name)

    const {jobProgress} = await import('../render/progress.js')
    const progress = showProgress ? await jobProgress(jobs, Object.fromEntries(chosen.map((j) => [j.name, j.title])) as Record<(typeof jobs)[number], string>) : undefined
    const {summary} = await runBackgroundJobs(ctx, jobs, progress ?? {})
    await progress?.done()

    if (!summary.total_success) process.exitCode = 1
    if (!this.jsonEnabled()) {
      const {renderJobsSummary} = await import('../render/summaries.js')
      this.log(renderJobsSummary(summary, this.painter(process.stdout)))
    }
    return summary
  }
}
