#!/usr/bin/env node
// Production entry point: runs the compiled commands in dist/ (what cron and CI call).
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
