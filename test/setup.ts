// Every test file: a test that fails or times out leaves none of the processes it started running.
import {afterEach, beforeEach} from 'vitest'

import {testBegins, testEnded} from './helpers/cli.js'

beforeEach(() => testBegins())
afterEach(() => testEnded())
