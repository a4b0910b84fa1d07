/** Storage-layer defaults, in one place, each with its unit. */
export const DB_DEFAULTS = Object.freeze({
  /** Embedded database directory, relative to the working directory. */
  pgliteDataDir: '.data/pglite',
  /** Loopback address the embedded database is served on; port 0 lets the OS pick a free one. */
  pgliteHost: '127.0.0.1',
  /** Pool size against real PostgreSQL (connections). */
  poolMax: 4,
  /** Seconds to wait for a TCP connection before failing the query. */
  connectTimeoutS: 10,
  /** Seconds an idle pooled connection is kept. */
  idleTimeoutS: 30,
  /** Seconds close() waits for running queries before cutting connections. */
  closeTimeoutS: 5,
  /** PostgreSQL's bind-parameter limit per statement (a 16-bit count in the protocol). */
  maxParameters: 65_535,
  /** Rows per INSERT statement at most, even when the parameter limit would allow more. */
  maxRowsPerStatement: 1_000,
  /** Key of the transaction-scoped advisory lock serialising migrations (arbitrary constant). */
  migrationLockKey: 0x67_68_6d_31, // 'ghm1'
  /** Attempts made by withRetry, the first included. */
  retryAttempts: 8,
  /** First backoff delay (ms); doubles each attempt. */
  retryBaseDelayMs: 200,
  /** Longest backoff delay (ms). */
  retryMaxDelayMs: 5_000,
})
