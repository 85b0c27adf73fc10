import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class WorkersList extends BaseCommand<typeof WorkersList> {
  static override summary = 'Queue workers: live ones, and those stopped or lost in the last day; host, pid, queues, jobs running, heartbeat.'
  static override description = 'A worker silent longer than HARBORMASTER_WORKER_HEARTBEAT_SECONDS is lost: its jobs go back to the queue.'
  static override quietHidesReport = false
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'workers list'>> {
    const ctx = await this.context()
    const {listWorkers} = await import('../../services/queue/workers.js')
    const workers = await listWorkers(ctx)
    if (!this.jsonEnabled()) {
      const {renderWorkers} = await import('../../render/queue.js')
      this.log(renderWorkers(workers, this.painter(process.stdout)))
    }
    return {workers}
  }
}
