import {BaseCommand} from '../../cli/base-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class WorkersList extends BaseCommand<typeof WorkersList> {
  static override summary = 'Registered workers: host, pid, queues, jobs running, heartbeat (lost ones marked).'
  static override description = 'A worker whose heartbeat is older than HARBORMASTER_WORKER_HEARTBEAT_SECONDS is lost: its jobs go back to the queue.'
  static override quietHidesReport = false
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ResultOf<'workers list'>> {
    const ctx = await this.context()
    const {workerEntries} = await import('../../services/queue/admin.js')
    const workers = await workerEntries(ctx)
    if (!this.jsonEnabled()) {
      const {renderWorkers} = await import('../../render/queue.js')
      this.log(renderWorkers(workers, this.painter(process.stdout)))
    }
    return {workers}
  }
}
