// INTEGRATION SCAFFOLD, replaced by the engine before the queue lands.
import type {Context} from '../../context.js'
import {HarbormasterError} from '../../errors.js'
import type {QueueEngine} from '../types.js'

export function embeddedEngine(_ctx: Context): QueueEngine {
  throw new HarbormasterError('the embedded queue engine is not built yet')
}
