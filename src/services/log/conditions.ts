// Warnings about conditions that last across runs (AIS data is the shipped sample, a provider is down):
// a WARNING when the condition starts or changes, INFO while it lasts, remembered in the settings table,
// so a cron job mails its operator once per change instead of on every run.
import type {Context} from '../context.js'
import {deleteSetting, readSetting, writeSetting} from '../db/settings.js'
import type {LogFields} from './logger.js'

export interface Condition {
  /** What the condition is, compared between runs: a change warns again. Never a varying detail. */
  state: string
  message: string
  fields?: LogFields
}

interface Remembered {
  state: string
  message: string
  since: string
}

const keyOf = (topic: string) => `condition:${topic}`

/** Reports `condition` (or its end, when null) for `topic`; warns only when it differs from the last run's. */
export async function reportCondition(ctx: Context, topic: string, condition: Condition | null, logger = ctx.logger): Promise<void> {
  const key = keyOf(topic)
  const last = await readSetting<Remembered>(ctx.db, key)
  if (!condition) {
    if (!last) return
    await deleteSetting(ctx.db, key)
    logger.info(`no longer: ${last.message}`, {since: last.since})
    return
  }
  if (last?.state === condition.state) {
    logger.info(condition.message, {...condition.fields, since: last.since})
    return
  }
  const since = new Date(ctx.clock.now()).toISOString()
  await writeSetting(ctx.db, key, {state: condition.state, message: condition.message, since} satisfies Remembered, ctx.clock.now())
  logger.warn(condition.message, {...condition.fields, ...(last ? {was: last.message} : {})})
}
