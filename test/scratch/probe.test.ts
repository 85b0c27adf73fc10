import {join} from 'node:path'
import {expect, it} from 'vitest'
import {runInProcess} from '../helpers/in-process.js'
import {seededDb, firstUseDb} from '../helpers/template.js'
import {tempDir} from '../helpers/cli.js'
const tmp = tempDir()
it('probe', async () => {
  const db = seededDb(join(tmp.dir, 'a', 'h.db'))
  let t = Date.now()
  const r = await runInProcess(['run-background-jobs', '--job', 'vessels', '--db', db], {env: {HARBORMASTER_NOW: '2026-11-24T12:00:00Z'}})
  console.log('first', Date.now() - t, r.code, JSON.stringify(r.stderr).slice(0, 500), r.stdout.slice(0, 300))
  t = Date.now()
  const h = await runInProcess(['health', '--json', '--db', db])
  console.log('health', Date.now() - t, h.code, h.stdout.length, h.stderr)
  const bad = await runInProcess(['run-background-jobs', '--job', 'bogus', '--db', db])
  console.log('bad', bad.code, bad.stderr)
  const f = firstUseDb(join(tmp.dir, 'b', 'h.db'))
  t = Date.now()
  const r2 = await runInProcess(['run-background-jobs', '--db', f])
  console.log('firstuse', Date.now() - t, r2.code, r2.stderr.slice(0, 800))
  console.log(process.env.HARBORMASTER_NOW, process.exitCode)
})
