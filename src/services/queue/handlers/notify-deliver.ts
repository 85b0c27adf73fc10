// INTEGRATION SCAFFOLD, replaced by the handler's own module before the queue lands: fails every job.
import {z} from 'zod'

import {HarbormasterError} from '../../errors.js'
import type {JobHandler} from '../job-types.js'

const payload = z.object({}).passthrough()

export const handler: JobHandler<z.infer<typeof payload>> = {
  payload,
  async handle() {
    throw new HarbormasterError('notify-deliver is not built yet')
  },
}
