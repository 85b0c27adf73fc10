// A request's logger, made when the request first logs something its level lets through. fastify makes
// one per request (with the request id bound), and pino's child applies the redaction to the bindings each
// time: on a server that logs only warnings (serve --quiet) most requests never log at all.
import type {Bindings, ChildLoggerOptions, Level, Logger} from 'pino'

const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace']

export function requestLogger(parent: Logger, bindings: Bindings, options: ChildLoggerOptions): Logger {
  // A route with its own level or serializers gets its child at once (its level is not the parent's).
  if (Object.keys(options).length > 0) return parent.child(bindings, options)
  let child: Logger | undefined
  const made = () => (child ??= parent.child(bindings))
  const lazy: Record<string, unknown> = {
    get level() {
      return (child ?? parent).level
    },
    isLevelEnabled: (level: string) => (child ?? parent).isLevelEnabled(level),
    child: (more: Bindings, moreOptions?: ChildLoggerOptions) => made().child(more, moreOptions),
    silent: () => {},
  }
  for (const level of LEVELS) {
    lazy[level] = (...args: unknown[]) => {
      if (!(child ?? parent).isLevelEnabled(level)) return
      ;(made()[level] as (...a: unknown[]) => void)(...args)
    }
  }
  return lazy as unknown as Logger
}
