import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { DB_DEFAULTS } from './defaults.js'

export interface RetryOptions {
  log: Logger
  /** What is being retried, for the log. */
  what?: string
  /** Attempts, the first included (default DB_DEFAULTS.retryAttempts). */
  attempts?: number
  /** First delay in ms, doubled each attempt (default DB_DEFAULTS.retryBaseDelayMs). */
  baseDelayMs?: number
  /** Delay cap in ms (default DB_DEFAULTS.retryMaxDelayMs). */
  maxDelayMs?: number
  /** Which errors are worth another attempt (default isTransientDatabaseError). */
  retryable?: (err: unknown) => boolean
  signal?: AbortSignal
}

// Socket-level failures (Node) and postgres.js's own connection error codes.
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
])

// SQLSTATEs that mean "the server went away or is not ready yet", not "your SQL is wrong":
// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up),
// 53300 too_many_connections, 40001 serialization_failure, 40P01 deadlock_detected.
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01'])

/** True for errors that mean the database is (briefly) unreachable; false for SQL errors. */
export function isTransientDatabaseError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const code = (err as { code?: unknown }).code
  if (typeof code !== 'string') return false
  // Class 08: connection exceptions.
  return TRANSIENT_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)
}

/**
 * Runs fn until it succeeds, retrying transient database errors with exponential backoff
 * and jitter. Only wrap idempotent work (the writers are: natural keys + ON CONFLICT), since
 * a statement that failed on a dropped connection may have committed all the same.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? DB_DEFAULTS.retryAttempts
  const base = options.baseDelayMs ?? DB_DEFAULTS.retryBaseDelayMs
  const cap = options.maxDelayMs ?? DB_DEFAULTS.retryMaxDelayMs
  const retryable = options.retryable ?? isTransientDatabaseError
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (attempt >= attempts || !retryable(err) || options.signal?.aborted === true) throw err
      // Half fixed, half random: always backs off, yet several writers do not reconnect in lock-step.
      const ceiling = Math.min(cap, base * 2 ** (attempt - 1))
      const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
      options.log.warn(
        { what: options.what, attempt, attempts, delayMs, code: (err as { code?: unknown }).code, err: String(err) },
        'database unavailable, retrying',
      )
      await sleep(delayMs, undefined, { signal: options.signal })
    }
  }
}
