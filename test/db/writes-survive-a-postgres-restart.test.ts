import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { pino } from 'pino'
import postgres from 'postgres'
import { openDatabase } from '../../db/connect.js'
import { migrate } from '../../db/migrate.js'
import { withRetry } from '../../db/retry.js'
import { writeMetrics, type GpuSample } from '../../db/writers.js'
import { makeSamples } from './support.js'
import { startThrowawayPostgres } from './throwaway-postgres.js'

const BATCH = 500 // rows per ordinary batch, as the sink writes them
const BIG_BATCH = 20_000 // the batch the server dies under: long enough to be cut mid-way
const SMALL_STATEMENTS = 100 // rows per INSERT inside the big batch, so part of it commits first

test('metric writes retried across PostgreSQL stops (fast, then a crash) lose and duplicate nothing', async (t) => {
  const server = await startThrowawayPostgres()
  t.after(() => server.destroy())

  // Count the retries through the log the writers' caller would see.
  const retries: string[] = []
  const log = pino({ level: 'warn' }, { write: (line: string) => void retries.push(line) })
  const db = await openDatabase({ url: server.url, log, max: 2 })
  t.after(() => db.close())
  await migrate(db, { log })

  const samples = makeSamples(40, 1_000) // 40,000 rows
  const batches: GpuSample[][] = []
  for (let i = 0; i < 10_000; i += BATCH) batches.push(samples.slice(i, i + BATCH))
  batches.push(samples.slice(10_000, 10_000 + BIG_BATCH)) // index 20: interrupted by the fast stop
  for (let i = 30_000; i < samples.length; i += BATCH) batches.push(samples.slice(i, i + BATCH))
  const crashBefore = 25 // the server crashes just before this batch and comes back during it
  const sizes = batches.map((b) => b.length)
  assert.equal(sizes.reduce((a, b) => a + b, 0), samples.length)

  const rowsBefore = (index: number) => sizes.slice(0, index).reduce((a, b) => a + b, 0)
  const written: number[] = []
  let outage: Promise<void> | undefined
  for (const [index, batch] of batches.entries()) {
    const big = batch.length === BIG_BATCH
    if (index === crashBefore) {
      await server.stop('immediate')
      outage = sleep(1_500).then(() => server.start())
    }
    if (big) {
      // Stop the server once part of this batch is committed (watched from another connection, not guessed
      // from a delay, so a loaded machine cannot miss the window); bring it back 1.5 s later.
      const watcher = postgres(server.url, { max: 1, onnotice: () => {} })
      const before = rowsBefore(index)
      outage = (async () => {
        for (;;) {
          const [{ n }] = await watcher<{ n: number }[]>`SELECT count(*)::int AS n FROM gpu_metrics`
          if (n >= before + SMALL_STATEMENTS) break
          await sleep(10)
        }
        await watcher.end({ timeout: 1 })
      })()
        .then(() => server.stop('fast'))
        .then(() => sleep(1_500))
        .then(() => server.start())
    }
    written.push(
      await withRetry(
        () => writeMetrics(db.sql, batch, big ? { maxRowsPerStatement: SMALL_STATEMENTS } : {}),
        { log, what: `batch ${index}`, attempts: 40, baseDelayMs: 50, maxDelayMs: 500 },
      ),
    )
    await outage
    outage = undefined
  }

  const total = sizes.reduce((a, b) => a + b, 0)
  const [{ rows, keys }] = await db.sql<{ rows: number; keys: number }[]>`
    SELECT count(*)::int AS rows, count(DISTINCT (gpu_uuid, ts))::int AS keys FROM gpu_metrics`
  assert.equal(rows, total, 'every row of every batch is stored')
  assert.equal(keys, total, 'and none twice')

  const bigIndex = sizes.indexOf(BIG_BATCH)
  assert.ok(written[bigIndex] < BIG_BATCH && written[bigIndex] > 0,
    `the interrupted batch was partly committed before the stop and only the rest was written on retry (${written[bigIndex]} of ${BIG_BATCH})`)
  assert.equal(written.reduce((a, b) => a + b, 0), total - (BIG_BATCH - written[bigIndex]),
    'only the interrupted batch had rows that were already there')
  assert.ok(retries.some((l) => l.includes(`"what":"batch ${bigIndex}"`)), 'the interrupted batch was retried')
  assert.ok(retries.some((l) => l.includes(`"what":"batch ${crashBefore}"`)), 'the batch after the crash was retried')
})
