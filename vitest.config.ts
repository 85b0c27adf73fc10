import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    // Hang detectors, not expectations: tests wait for events, and no test should come near these on a
    // busy two-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: end-to-end tests spawn the CLI, so keep parallel files to what the machine can carry.
    maxWorkers: 2,
    // Commands run in-process (test/helpers/in-process.ts) write to the real stdout, which the helper captures.
    disableConsoleIntercept: true,
  },
})
