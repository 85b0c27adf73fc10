// The queue engine contract (test/helpers/queue-contract.ts) on this run's backend: the embedded engine on
// SQLite with a fake clock; pg-boss on PostgreSQL against the server's clock.
import {queueEngineContract} from '../helpers/queue-contract.js'

queueEngineContract()
