// Starts the real services the tests need — PostgreSQL and Kafka side by side, then the schema
// registry — under one overall deadline, and stops whatever did start if anything fails.
import * as postgres from './postgres.js';
import * as kafka from './kafka.js';
import * as registry from './registry.js';
import { isPidAlive, listServiceRecords, logTail, removeAbandonedInstanceDirs } from './common.js';

export const SERVICE_NAMES = Object.freeze(['postgres', 'kafka', 'registry']);

export const START_DEFAULTS = Object.freeze({
  totalTimeoutMs: 900_000, // fifteen minutes: a cold start fetches ~200 MB of jars and builds the registry
});

/** Environment variables each service provides to the tests. */
export const ENV_NAMES = Object.freeze({
  postgres: 'DATABASE_URL',
  kafka: 'KAFKA_BROKERS',
  registry: 'SCHEMA_REGISTRY_URL',
});

/** Parses a comma list ("postgres,kafka", "all", "none") into service names. */
export function parseServiceList(text) {
  const value = (text ?? 'all').trim().toLowerCase();
  if (value === '' || value === 'all') return [...SERVICE_NAMES];
  if (value === 'none') return [];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !SERVICE_NAMES.includes(n));
  if (unknown.length) throw new Error(`unknown service(s): ${unknown.join(', ')}; known: ${SERVICE_NAMES.join(', ')}`);
  return names;
}

let running = [];

/** Installs / fetches / builds what the wanted services run from; fast when already cached. */
export function prepare(wanted, log = () => {}) {
  const steps = { postgres: postgres.ensurePostgresBinaries, kafka: kafka.ensureKafkaJars, registry: registry.ensureRegistryBuild };
  for (const name of wanted) {
    const began = Date.now();
    try {
      steps[name]();
    } catch (err) {
      throw new Error(`service "${name}" could not be prepared: ${err instanceof Error ? err.message : err}`);
    }
    const ms = Date.now() - began;
    if (ms > 1_000) log(`${name}: fetched/built in ${(ms / 1000).toFixed(1)} s`);
  }
}

function withDeadline(promise, deadline, name) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: gave up, the overall start deadline passed`)), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function startOne(name, fn, deadline, onStarted) {
  const began = Date.now();
  try {
    const service = await withDeadline(fn(), deadline, name);
    onStarted(service);
    return { name, service, ms: Date.now() - began };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`service "${name}" failed to start: ${message.startsWith(name) ? message : `${name}: ${message}`}`);
  }
}

/**
 * Starts the named services. Resolves to the environment for the tests and per-service timings.
 * On failure stops everything it started and rejects with a message naming the service.
 * @param {{ services?: string[], totalTimeoutMs?: number, log?: (line: string) => void }} [opts]
 */
export async function startAll(opts = {}) {
  const wanted = opts.services ?? [...SERVICE_NAMES];
  const log = opts.log ?? (() => {});
  const deadline = Date.now() + (opts.totalTimeoutMs ?? START_DEFAULTS.totalTimeoutMs);
  const env = {};
  const timings = {};
  const started = (name) => (service) => {
    running.push({ name, service });
    log(`${name} ready${service.logFile ? ` (log: ${service.logFile})` : ''}`);
  };
  try {
    // Fetching and building run one after another (Maven's local repository is shared and not
    // safe for concurrent downloads); the servers then start side by side.
    prepare(wanted, log);
    // The registry keeps schemas in memory and does not need Kafka, so all three start at once.
    const tasks = [];
    if (wanted.includes('postgres')) {
      tasks.push(startOne('postgres', () => postgres.start(), deadline, started('postgres')).then((r) => {
        env.DATABASE_URL = r.service.url;
        timings.postgres = r.ms;
      }));
    }
    let kafkaReady = Promise.resolve(undefined);
    if (wanted.includes('kafka')) {
      kafkaReady = startOne('kafka', () => kafka.start(), deadline, started('kafka')).then((r) => {
        env.KAFKA_BROKERS = r.service.brokers;
        timings.kafka = r.ms;
        return r.service.brokers;
      });
      tasks.push(kafkaReady);
    }
    if (wanted.includes('registry')) {
      tasks.push(startOne('registry', () => registry.start(), deadline, started('registry')).then((r) => {
        env.SCHEMA_REGISTRY_URL = r.service.url;
        timings.registry = r.ms;
      }));
    }
    const results = await Promise.allSettled(tasks);
    const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
    if (failures.length) throw new Error(failures.join('\n\n'));
    return { env, timings };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Stops every service started by this process, last started first. */
export async function stopAll() {
  const toStop = running.reverse();
  running = [];
  for (const { name, service } of toStop) {
    try {
      await service.stop();
    } catch (err) {
      console.error(`stopping ${name} failed: ${err instanceof Error ? err.message : err}`);
    }
  }
}

async function stopRecord(record) {
  if (record.name === 'postgres') await postgres.stopPostgresInstance(record);
  else if (record.name === 'kafka') await kafka.stopKafkaInstance(record);
  else if (record.name === 'registry') await registry.stopRegistryInstance(record);
}

/**
 * Stops recorded instances (`cli.js down`): those `cli.js up` left running and those whose
 * starting process died without stopping them. Instances of a live test run in the same
 * checkout are left alone.
 * @param {{ log?: (line: string) => void, onlyOrphans?: boolean, onlyOwn?: boolean }} [opts]
 *   onlyOrphans: keep `cli.js up` instances too; onlyOwn: only those this process started
 */
export async function stopRecorded({ log = () => {}, onlyOrphans = false, onlyOwn = false } = {}) {
  removeAbandonedInstanceDirs();
  for (const record of listServiceRecords()) {
    if (onlyOwn && record.startedBy !== process.pid) continue;
    if (record.startedBy && record.startedBy !== process.pid && isPidAlive(record.startedBy)) continue;
    if (onlyOrphans && record.keep) continue;
    try {
      await stopRecord(record);
      log(`stopped ${record.name} (${record.dir})`);
    } catch (err) {
      log(`could not stop ${record.name} (${record.dir}): ${err instanceof Error ? err.message : err}${logTail(record.logFile, 5)}`);
    }
  }
}
