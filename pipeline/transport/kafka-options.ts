import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { z } from 'zod';

/**
 * Options of the Kafka transport, validated once with zod. Every field has its default here, with its
 * unit; flags and environment variables (`kafkaOptionsFromEnv`) only override.
 */
export const KAFKA_DEFAULTS = Object.freeze({
  clientId: 'gpu-health-monitor',
  /** TCP + TLS connect limit per broker connection. */
  connectionTimeoutMs: 10_000, // ten seconds
  /** A broker request that takes longer fails and is retried. */
  requestTimeoutMs: 30_000, // thirty seconds
  /** A member that sends no heartbeat for this long is removed from its group (its partitions move). */
  sessionTimeoutMs: 30_000, // thirty seconds
  /** How long the group waits for every member to rejoin during a rebalance. */
  rebalanceTimeoutMs: 60_000, // one minute
  /** Heartbeat cadence; also how often a long onRecords call is interrupted by a heartbeat. */
  heartbeatIntervalMs: 3_000, // three seconds
  /** Partitions whose batches are handed over at the same time (eachBatch concurrency). */
  partitionsConsumedConcurrently: 3, // partitions
  /** Fetch size limit per partition. */
  maxBytesPerPartition: 1_048_576, // bytes (1 MiB)
  /** The broker holds an empty fetch this long for data to arrive: the idle latency of a stage. */
  maxWaitTimeMs: 250, // ms
  /** Records handed to the stage in one onRecords call; heartbeats and revocation checks happen between calls. */
  chunkRecords: 500, // records
  /** A partition whose onRecords call has not returned after this long is paused until it does. */
  pauseAfterMs: 100, // ms
  /**
   * After handing a batch over, wait this long at most for its offsets to be committed before fetching that
   * partition again. A rebalance then finds (almost) nothing delivered-but-uncommitted, so little is replayed.
   * 0 turns it off: right for stages that hold inputs across batches (windows), whose commits trail by design.
   */
  awaitCommitMs: 2_000, // two seconds
  /** When a rebalance is announced, how long delivered records may take to be committed before rejoining. */
  drainOnRebalanceMs: 10_000, // ten seconds
  /** -1: all in-sync replicas must have the record (required by the idempotent producer). */
  acks: -1 as -1 | 0 | 1,
  /** kafkajs compresses gzip natively; snappy, lz4 and zstd need codecs that are not installed. */
  compression: 'none' as 'none' | 'gzip',
  /** Producer sequence numbers let the broker drop retried duplicates. */
  idempotent: true,
  /** Records in one produce request at most; larger sends are split (the runner batches up to its own limit). */
  maxBatchRecords: 1_000, // records
  /** Replication of created topics; -1 takes the broker's default.replication.factor. */
  replicationFactor: -1, // replicas
  /** kafkajs's own log level (its info lines are chatty): nothing | error | warn | info | debug. */
  clientLogLevel: 'warn' as 'nothing' | 'error' | 'warn' | 'info' | 'debug',
});

const blankToUndefined = (v: unknown) => (v === '' ? undefined : v);

export const SaslOptions = z.object({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).describe('SASL mechanism.'),
  username: z.string().min(1, 'SASL needs a username'),
  password: z.string().min(1, 'SASL needs a password'),
});
export type SaslOptions = z.output<typeof SaslOptions>;

export const TlsOptions = z.object({
  /** PEM text of the CA bundle (or read from caFile); absent: the system's trusted CAs. */
  ca: z.string().optional(),
  caFile: z.string().optional().describe('Path of a PEM CA bundle.'),
  certFile: z.string().optional().describe('Client certificate (mutual TLS).'),
  keyFile: z.string().optional().describe('Client key (mutual TLS).'),
  rejectUnauthorized: z.boolean().default(true).describe('Verify the broker certificate (only turn off for local experiments).'),
  servername: z.string().optional(),
});
export type TlsOptions = z.output<typeof TlsOptions>;

export const KafkaOptions = z
  .object({
    brokers: z.array(z.string().regex(/^[^\s,]+:\d+$/, 'expected host:port')).min(1, 'at least one broker (host:port)'),
    clientId: z.string().min(1).default(KAFKA_DEFAULTS.clientId),
    sasl: SaslOptions.optional(),
    tls: z.union([z.boolean(), TlsOptions]).default(false).describe('TLS to the brokers: true, or options.'),
    connectionTimeoutMs: z.number().int().positive().default(KAFKA_DEFAULTS.connectionTimeoutMs),
    requestTimeoutMs: z.number().int().positive().default(KAFKA_DEFAULTS.requestTimeoutMs),
    sessionTimeoutMs: z.number().int().positive().default(KAFKA_DEFAULTS.sessionTimeoutMs),
    rebalanceTimeoutMs: z.number().int().positive().default(KAFKA_DEFAULTS.rebalanceTimeoutMs),
    heartbeatIntervalMs: z.number().int().positive().default(KAFKA_DEFAULTS.heartbeatIntervalMs),
    partitionsConsumedConcurrently: z.number().int().positive().default(KAFKA_DEFAULTS.partitionsConsumedConcurrently),
    maxBytesPerPartition: z.number().int().positive().default(KAFKA_DEFAULTS.maxBytesPerPartition),
    maxWaitTimeMs: z.number().int().nonnegative().default(KAFKA_DEFAULTS.maxWaitTimeMs),
    chunkRecords: z.number().int().positive().default(KAFKA_DEFAULTS.chunkRecords),
    pauseAfterMs: z.number().int().nonnegative().default(KAFKA_DEFAULTS.pauseAfterMs),
    awaitCommitMs: z.number().int().nonnegative().default(KAFKA_DEFAULTS.awaitCommitMs),
    drainOnRebalanceMs: z.number().int().nonnegative().default(KAFKA_DEFAULTS.drainOnRebalanceMs),
    acks: z.union([z.literal(-1), z.literal(0), z.literal(1)]).default(KAFKA_DEFAULTS.acks),
    compression: z.enum(['none', 'gzip']).default(KAFKA_DEFAULTS.compression),
    idempotent: z.boolean().default(KAFKA_DEFAULTS.idempotent),
    maxBatchRecords: z.number().int().positive().default(KAFKA_DEFAULTS.maxBatchRecords),
    replicationFactor: z.number().int().min(-1).refine((v) => v !== 0, 'replication factor 0 is not a thing').default(KAFKA_DEFAULTS.replicationFactor),
    clientLogLevel: z.enum(['nothing', 'error', 'warn', 'info', 'debug']).default(KAFKA_DEFAULTS.clientLogLevel),
  })
  .strict()
  .refine((o) => !o.idempotent || o.acks === -1, {
    path: ['acks'],
    message: 'the idempotent producer needs acks=-1 (all in-sync replicas); set idempotent: false to use acks 0 or 1',
  });

/** What callers pass (defaults optional). */
export type KafkaOptionsInput = z.input<typeof KafkaOptions>;
export type KafkaSettings = z.output<typeof KafkaOptions>;

export function parseKafkaOptions(input: KafkaOptionsInput): KafkaSettings {
  const parsed = KafkaOptions.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid Kafka options:\n  ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('\n  ')}`);
  }
  return parsed.data;
}

/** The environment variables the Kafka side reads (flags override them). */
export const KafkaEnv = z.object({
  KAFKA_BROKERS: z.preprocess(blankToUndefined, z.string().optional()),
  KAFKA_CLIENT_ID: z.preprocess(blankToUndefined, z.string().optional()),
  KAFKA_SASL_MECHANISM: z.preprocess(
    (v) => (typeof v === 'string' && v !== '' ? v.toLowerCase() : undefined),
    z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  ),
  KAFKA_SASL_USERNAME: z.preprocess(blankToUndefined, z.string().optional()),
  KAFKA_SASL_PASSWORD: z.preprocess(blankToUndefined, z.string().optional()),
  KAFKA_TLS: z.preprocess(blankToUndefined, z.enum(['true', 'false', '1', '0']).optional()),
  KAFKA_TLS_CA_FILE: z.preprocess(blankToUndefined, z.string().optional()),
  KAFKA_TLS_CERT_FILE: z.preprocess(blankToUndefined, z.string().optional()),
  KAFKA_TLS_KEY_FILE: z.preprocess(blankToUndefined, z.string().optional()),
  KAFKA_TLS_REJECT_UNAUTHORIZED: z.preprocess(blankToUndefined, z.enum(['true', 'false', '1', '0']).optional()),
  /** Group timing, for operators (and tests) that need a dead member's partitions to move sooner. */
  KAFKA_SESSION_TIMEOUT_MS: z.preprocess(blankToUndefined, z.coerce.number().int().positive().optional()),
  KAFKA_HEARTBEAT_INTERVAL_MS: z.preprocess(blankToUndefined, z.coerce.number().int().positive().optional()),
  KAFKA_REBALANCE_TIMEOUT_MS: z.preprocess(blankToUndefined, z.coerce.number().int().positive().optional()),
});

/** Connection flags as the CLI collects them; each overrides its environment variable. */
export interface KafkaConnectionFlags {
  brokers?: string;
  clientId?: string;
  saslMechanism?: string;
  saslUsername?: string;
  saslPassword?: string;
  tls?: boolean;
  tlsCaFile?: string;
}

const truthy = (v: string | undefined): boolean | undefined => (v === undefined ? undefined : v === 'true' || v === '1');

/**
 * Connection options from flags, then `KAFKA_*` environment variables. Fails with every problem named
 * (a missing broker list, SASL without credentials, ...).
 */
export function kafkaOptionsFromEnv(
  flags: KafkaConnectionFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  extra: Omit<KafkaOptionsInput, 'brokers' | 'clientId' | 'sasl' | 'tls'> = {},
): KafkaSettings {
  const parsedEnv = KafkaEnv.safeParse(env);
  if (!parsedEnv.success) {
    throw new Error(`invalid Kafka environment:\n  ${parsedEnv.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  }
  const e = parsedEnv.data;
  const brokersText = flags.brokers ?? e.KAFKA_BROKERS;
  if (!brokersText) throw new Error('no Kafka brokers: pass --brokers host:port[,host:port] or set KAFKA_BROKERS');
  const mechanism = flags.saslMechanism?.toLowerCase() ?? e.KAFKA_SASL_MECHANISM;
  const username = flags.saslUsername ?? e.KAFKA_SASL_USERNAME;
  const password = flags.saslPassword ?? e.KAFKA_SASL_PASSWORD;
  const tlsOn = flags.tls ?? truthy(e.KAFKA_TLS) ?? false;
  const caFile = flags.tlsCaFile ?? e.KAFKA_TLS_CA_FILE;
  const tlsDetails = caFile || e.KAFKA_TLS_CERT_FILE || e.KAFKA_TLS_KEY_FILE || e.KAFKA_TLS_REJECT_UNAUTHORIZED !== undefined;
  const input: Record<string, unknown> = {
    ...(e.KAFKA_SESSION_TIMEOUT_MS ? { sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS } : {}),
    ...(e.KAFKA_HEARTBEAT_INTERVAL_MS ? { heartbeatIntervalMs: e.KAFKA_HEARTBEAT_INTERVAL_MS } : {}),
    ...(e.KAFKA_REBALANCE_TIMEOUT_MS ? { rebalanceTimeoutMs: e.KAFKA_REBALANCE_TIMEOUT_MS } : {}),
    ...extra,
    brokers: brokersText.split(',').map((b) => b.trim()).filter(Boolean),
    ...(flags.clientId ?? e.KAFKA_CLIENT_ID ? { clientId: flags.clientId ?? e.KAFKA_CLIENT_ID } : {}),
    ...(mechanism || username || password ? { sasl: { mechanism, username, password } } : {}),
    tls: tlsOn && tlsDetails
      ? {
          caFile,
          certFile: e.KAFKA_TLS_CERT_FILE,
          keyFile: e.KAFKA_TLS_KEY_FILE,
          rejectUnauthorized: truthy(e.KAFKA_TLS_REJECT_UNAUTHORIZED) ?? true,
        }
      : tlsOn,
  };
  return parseKafkaOptions(input as KafkaOptionsInput);
}

/** node:tls options for kafkajs from the validated settings (files read here, once). */
export function tlsConnectionOptions(tls: KafkaSettings['tls']): ConnectionOptions | boolean {
  if (typeof tls === 'boolean') return tls;
  return {
    ...(tls.ca ? { ca: tls.ca } : tls.caFile ? { ca: readFileSync(tls.caFile, 'utf8') } : {}),
    ...(tls.certFile ? { cert: readFileSync(tls.certFile, 'utf8') } : {}),
    ...(tls.keyFile ? { key: readFileSync(tls.keyFile, 'utf8') } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
    rejectUnauthorized: tls.rejectUnauthorized,
  };
}
