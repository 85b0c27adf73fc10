import {JobCommand} from '../../cli/job-command.js'
import type {ResultOf} from '../../schemas/commands.js'

export default class ProvidersProbe extends JobCommand<typeof ProvidersProbe> {
  static override summary = "Probe each configured provider's lightest call, the database and free disk (the health-check job)."
  static override description = `NWS is asked for one alert, Open-Meteo for one point, AISHub for a small box, aisstream for a connection
and subscription, an NMEA TCP feed for a connection: one attempt each, timed, counted against the quota
(a provider at 95 % of its quota is not probed). Each result is stored: \`providers status\` shows uptime
over 24 h and 7 d and p50/p95 response times from them. A provider that goes down, and again when it comes
back, is an alert event notified to every ADMIN (the rule \`provider availability\`; \`alerts disable\` it to
silence them). HARBORMASTER_PROBES_DISABLED=nws,aishub turns probes off per provider.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    'HARBORMASTER_PROBES_DISABLED=aishub <%= config.bin %> <%= command.id %>',
    '*/5 * * * * cd /opt/harbormaster && ./bin/run.js <%= command.id %> --quiet',
  ]

  async run(): Promise<ResultOf<'providers probe'>> {
    return this.runRegistryJob('health-check')
  }
}
