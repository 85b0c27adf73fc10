// Every test file: a test that fails or times out leaves none of the processes it started running, and the
// PostgreSQL databases the file made are dropped after it.
import {afterAll, afterEach, beforeEach} from 'vitest'

import {testBegins, testEnded} from './helpers/cli.js'
import {dropCreatedDatabases} from './helpers/template.js'

beforeEach(() => testBegins())
afterEach(() => testEnded())
afterAll(() => dropCreatedDatabases())
