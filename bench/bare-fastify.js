// The API benchmark's baseline: a bare fastify hello-world in its own process. Prints its address once
// listening; stops on SIGTERM.
import Fastify from 'fastify'

const app = Fastify()
app.get('/', async () => ({hello: 'world'}))
const address = await app.listen({host: '127.0.0.1', port: 0})
console.log(address)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
