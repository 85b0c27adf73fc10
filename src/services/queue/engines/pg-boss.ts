// INTEGRATION SCAFFOLD, replaced by the engine before the queue lands.
import type {Context} from '../../context.js'
import {HarbormasterError} from '../../errors.js'
import type {QueueEngine} from '../types.js'

export function pgBossEngine(_ctx: Context): QueueEngine {
  throw new HarbormasterError('the pg-boss queue engine is not built yet')
}
