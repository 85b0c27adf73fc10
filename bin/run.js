#!/usr/bin/env node
// Production entry point: runs the compiled commands in dist/ (what cron and CI call), with V8's compiled code
// for them kept between runs (dist/cli/compile-cache.js; HARBORMASTER_COMPILE_CACHE=off turns it off).
import {execute, flush} from '@oclif/core'
import {fileURLToPath} from 'node:url'

import {installCompileCache} from '../dist/cli/compile-cache.js'

installCompileCache(fileURLToPath(new URL('../dist', import.meta.url)))
await execute({dir: import.meta.url})
// A command has awaited all of its work when it returns (BaseCommand.finally: what it sent alongside, its
// database closed, its log lines written). Exiting once stdout has drained, instead of when the event loop
// empties, spares each run the wait for a garbage collection V8 may have begun and would finish first.
await flush()
process.exit()
