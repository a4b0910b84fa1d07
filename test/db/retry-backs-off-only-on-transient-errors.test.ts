import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isTransientDatabaseError, withRetry } from '../../db/retry.js'
import { log } from './support.js'

const coded = (code: string): Error => Object.assign(new Error(code), { code })

test('connection failures are retried with growing delays until the call succeeds', async () => {
  const seen: number[] = []
  let last = Date.now()
  const gaps: number[] = []
  const result = await withRetry(
    async (attempt) => {
      seen.push(attempt)
      gaps.push(Date.now() - last)
      last = Date.now()
      if (attempt === 1) throw coded('ECONNREFUSED')
      if (attempt === 2) throw coded('CONNECTION_CLOSED')
      if (attempt === 3) throw coded('57P01') // terminating connection due to administrator command
      return 'written'
    },
    { log, baseDelayMs: 40, maxDelayMs: 1_000 },
  )
  assert.equal(result, 'written')
  assert.deepEqual(seen, [1, 2, 3, 4])
  // Delays are at least half of 40, 80, 160 ms.
  assert.ok(gaps[1] >= 19 && gaps[2] >= 39 && gaps[3] >= 79, `backoff grows: ${gaps.join(', ')} ms`)
})

test('SQL errors are not retried', async () => {
  let calls = 0
  await assert.rejects(
    withRetry(async () => {
      calls++
      throw coded('23502') // not_null_violation: retrying cannot help
    }, { log, baseDelayMs: 1 }),
    /23502/,
  )
  assert.equal(calls, 1)
})

test('retries stop after the configured attempts with the last error', async () => {
  let calls = 0
  await assert.rejects(
    withRetry(async () => {
      calls++
      throw coded('ECONNRESET')
    }, { log, attempts: 3, baseDelayMs: 1 }),
    /ECONNRESET/,
  )
  assert.equal(calls, 3)
})

test('transient errors are told apart by code', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT', '57P01', '57P03', '08006', '40001']) {
    assert.ok(isTransientDatabaseError(coded(code)), code)
  }
  for (const err of [coded('23505'), coded('42P01'), new Error('no code'), 'ECONNREFUSED', null]) {
    assert.ok(!isTransientDatabaseError(err), String(err))
  }
})
