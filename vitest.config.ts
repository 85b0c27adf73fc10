import {defineConfig} from 'vitest/config'
import {BaseSequencer, type TestSpecification} from 'vitest/node'

/**
 * The end-to-end files that run a second time on PostgreSQL (the `postgres` project): each test gets a
 * new database cloned from a template on a cluster the run starts (test/global-setup.ts). Files that test
 * SQLite's own behaviour (its file on disk, its locks) run once; files that compare both backends
 * themselves (db copy, leases, transactions) start their own server.
 */
export const BOTH_BACKENDS: string[] = [
  'test/e2e/postgres-backend.test.ts',
  'test/e2e/port-congestion.test.ts',
  'test/e2e/port-calls.test.ts',
  'test/e2e/ais-sources.test.ts',
  'test/e2e/ais-edge-cases.test.ts',
  'test/e2e/safety-store.test.ts',
  'test/e2e/detection.test.ts',
  'test/e2e/storms.test.ts',
  'test/e2e/piracy.test.ts',
  'test/e2e/jobs-control.test.ts',
  'test/e2e/alert-worker.test.ts',
  'test/e2e/users-notifications.test.ts',
  'test/e2e/api-reads.test.ts',
  'test/e2e/provider-cache.test.ts',
  'test/e2e/seed-commands.test.ts',
  'test/e2e/operator-cli.test.ts',
  'test/e2e/api.test.ts',
  'test/e2e/api-answers.test.ts',
  'test/e2e/api-protection.test.ts',
  'test/e2e/outside-services.test.ts',
  'test/e2e/queue-handlers.test.ts',
  'test/e2e/queue-triggers.test.ts',
  'test/e2e/queue-engine.test.ts',
  'test/e2e/queue-worker.test.ts',
  'test/e2e/queue-scheduler.test.ts',
  'test/e2e/queue-jepsen.test.ts',
  // queue-cli runs on SQLite only: the same admin service is held to PostgreSQL by queue-api, the engine by
  // the contract suite, and `worker` by queue-worker; its 60 CLI starts would cost a minute a second time.
  'test/e2e/queue-api.test.ts',
  'test/e2e/vessels-views.test.ts',
  'test/e2e/geofence.test.ts',
  'test/e2e/report.test.ts',
  // behaviour-sea runs on SQLite only: its detectors read the window, whose PostgreSQL reads behaviour-pass and
  // port-calls hold to the same answers; a second run would cost half a minute of the suite.
  'test/e2e/behaviour-pass.test.ts',
  'test/e2e/vessel-profiles.test.ts',
  // archive-weekly runs its archive round trip on both; its other cases are SQLite only.
  'test/e2e/archive-weekly.test.ts',
]

/** HARBORMASTER_PG_ALL=1 offers every end-to-end file to the `postgres` project (for trying one there). */
const onPostgres = process.env.HARBORMASTER_PG_ALL ? ['test/e2e/**/*.test.ts'] : BOTH_BACKENDS

/**
 * The files that take longest (project, file; as a clean CI run measured them), started first: the others fill
 * the second worker around them, and no long file is left running alone at the end. Without this a run with
 * no timing cache (CI's clean checkout) started them by file size, and the PostgreSQL Jepsen check ran last.
 */
const LONGEST: Array<[string, string]> = [
  ['postgres', 'queue-jepsen'],
  ['sqlite', 'operations'],
  ['sqlite', 'several-hosts'],
  ['sqlite', 'long-runs'],
  ['sqlite', 'queue-jepsen'],
  ['sqlite', 'behaviour-pass'],
  ['postgres', 'behaviour-pass'],
  ['sqlite', 'seed-commands'],
  ['postgres', 'outside-services'],
  ['sqlite', 'db-copy'],
]

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const rank = (f: TestSpecification) => {
      const k = LONGEST.findIndex(([project, file]) => f.project.name === project && f.moduleId.endsWith(`/${file}.test.ts`))
      return k < 0 ? LONGEST.length : k
    }
    return sorted.map((f, k) => ({f, k, r: rank(f)})).sort((a, b) => a.r - b.r || a.k - b.k).map(({f}) => f)
  }
}

const shared = {
  globalSetup: ['test/global-setup.ts'],
  setupFiles: ['test/setup.ts'],
}

export default defineConfig({
  test: {
    pool: 'forks',
    // Hang detectors, not expectations: tests wait for events, and no test should come near these on a
    // busy two-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores, three files at once: a file's own start (its fork, imports and templates) leaves a core idle
    // that a third file fills; the tests wait for events, so a busier machine makes them slower, never wrong.
    maxWorkers: 3,
    sequence: {sequencer: LongestFirst},
    // Commands run in-process (test/helpers/in-process.ts) write to the real stdout, which the helper captures.
    disableConsoleIntercept: true,
    projects: [
      {extends: true, test: {name: 'sqlite', include: ['test/**/*.test.ts'], ...shared}},
      {
        extends: true,
        test: {name: 'postgres', include: onPostgres, env: {HARBORMASTER_TEST_BACKEND: 'postgres'}, ...shared},
      },
    ],
  },
})
