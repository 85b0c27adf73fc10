#!/usr/bin/env node
// The baseline of the startup benchmark: the smallest oclif 4 CLI (one command, no manifest work).
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
