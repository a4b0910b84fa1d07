// A single-node Apache Kafka 3.9 (KRaft: one process is both broker and controller) for tests,
// run from its jars on Maven Central. `mvn dependency:copy-dependencies` on kafka/pom.xml
// fetches them once into .cache/kafka/libs; each start formats a fresh log directory under
// .cache/services/kafka/<instance>/ and listens on two free loopback ports.
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  CACHE_DIR, MAVEN_SETTINGS, REPO_ROOT, RUN_DIR, aptInstall, commandExists, freePort, instanceId, removeDir, run, runAsync,
  spawnDaemon, stopGroup, waitUntil, writeServiceRecord, logTail,
} from './common.js';

const KAFKA_DIR = join(REPO_ROOT, 'scripts', 'services', 'kafka');
export const KAFKA_POM = join(KAFKA_DIR, 'pom.xml');
export const KAFKA_LIBS = join(CACHE_DIR, 'kafka', 'libs');

export const KAFKA_DEFAULTS = Object.freeze({
  startTimeoutMs: 120_000, // two minutes: JVM start plus KRaft election on a busy 2-core machine
  heap: '-Xmx1g', // plenty for tests; the JVM starts with much less
  brokerClass: 'kafka.Kafka',
  storageToolClass: 'kafka.tools.StorageTool',
  consoleConsumerClass: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  consoleTimeoutMs: 60_000, // one minute for a console-consumer run, JVM start included
});

/** Java and Maven from Debian when missing. */
export function ensureJava() {
  const missing = [];
  if (!commandExists('java')) missing.push('openjdk-17-jre-headless');
  if (!commandExists('mvn')) missing.push('maven');
  if (missing.length) aptInstall(missing, 'kafka');
}

/**
 * Fetches the jars named by `pom` into `libs` with Maven, once per POM content: a marker file
 * holding the POM's hash makes re-runs instant and a changed POM refetch.
 */
export function fetchMavenClasspath({ pom, libs, what }) {
  const digest = createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 16);
  const marker = join(libs, `.fetched-${digest}`);
  if (existsSync(marker)) return libs;
  ensureJava();
  removeDir(libs);
  mkdirSync(libs, { recursive: true });
  run('mvn', [
    '-B', '-q', '-s', MAVEN_SETTINGS, '-f', pom, 'dependency:copy-dependencies',
    `-DoutputDirectory=${libs}`, '-DincludeScope=runtime',
  ], { what: `${what}: fetching jars from Maven Central` });
  if (!readdirSync(libs).some((f) => f.endsWith('.jar'))) throw new Error(`${what}: Maven fetched no jars into ${libs}`);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return libs;
}

export function ensureKafkaJars() {
  return fetchMavenClasspath({ pom: KAFKA_POM, libs: KAFKA_LIBS, what: 'kafka' });
}

function javaArgs(logConfig, extra = []) {
  return [
    '-cp', join(KAFKA_LIBS, '*'),
    `-Dlog4j.configuration=file:${join(KAFKA_DIR, logConfig)}`,
    '-Djava.awt.headless=true',
    ...extra,
  ];
}

/** A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (Kafka's Uuid format). */
const newClusterId = () => randomBytes(16).toString('base64url');

function serverProperties({ port, controllerPort, logDir }) {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDir}`,
    // One broker: every internal topic has one replica.
    'num.partitions=1',
    'default.replication.factor=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Tests join consumer groups often: do not wait three seconds for more members.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'delete.topic.enable=true',
    '',
  ].join('\n');
}

/**
 * Starts a single-node Kafka.
 * @param {{ timeoutMs?: number }} [opts]
 * @returns {Promise<{ brokers: string, port: number, logFile: string, stop: () => Promise<void> }>}
 */
export async function start(opts = {}) {
  const timeoutMs = opts.timeoutMs ?? KAFKA_DEFAULTS.startTimeoutMs;
  ensureKafkaJars();
  const instanceDir = join(RUN_DIR, 'kafka', instanceId());
  const logDir = join(instanceDir, 'data');
  const logFile = join(instanceDir, 'kafka.log');
  const propsFile = join(instanceDir, 'server.properties');
  mkdirSync(logDir, { recursive: true });
  const [port, controllerPort] = [await freePort(), await freePort()];
  writeFileSync(propsFile, serverProperties({ port, controllerPort, logDir }));

  await runAsync('java', [...javaArgs('tools-log4j.properties'), KAFKA_DEFAULTS.storageToolClass, 'format',
    '-t', newClusterId(), '-c', propsFile, '--ignore-formatted'], { what: 'kafka storage format' });

  const daemon = spawnDaemon('java', [
    '-Xms256m', KAFKA_DEFAULTS.heap, '-XX:+UseG1GC', `-Dkafka.logs.dir=${instanceDir}`,
    ...javaArgs('log4j.properties'), KAFKA_DEFAULTS.brokerClass, propsFile,
  ], { cwd: instanceDir, logFile });
  const record = { name: 'kafka', kind: 'group', pid: daemon.pid, instanceDir, logFile, port };
  writeServiceRecord(instanceDir, record);
  const brokers = `127.0.0.1:${port}`;
  const stop = () => stopKafkaInstance(record);

  try {
    await waitUntil('kafka', () => brokerAnswers(brokers), { timeoutMs, logFile, isAlive: daemon.isAlive });
  } catch (err) {
    await stop();
    throw err;
  }
  return { brokers, port, logFile, stop };
}

/** True once the broker answers metadata requests and lists itself. */
export async function brokerAnswers(brokers) {
  const kafka = new Kafka({
    clientId: 'service-probe', brokers: [brokers], logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000, requestTimeout: 5_000, retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.listTopics();
    return cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller !== -1;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export async function stopKafkaInstance(record) {
  await stopGroup(record.pid);
  removeDir(record.instanceDir);
}

/**
 * Runs Kafka's own console consumer from the same jars and collects what it prints.
 * `stdout` is raw bytes: with the default formatter each record's value is written as-is,
 * followed by `\n` (so binary values, e.g. Avro with the schema-registry framing, arrive intact).
 * @param {{ brokers: string, topic: string, maxMessages?: number, fromBeginning?: boolean,
 *   timeoutMs?: number, group?: string, properties?: Record<string, string>, args?: string[] }} opts
 * @returns {Promise<{ code: number | null, stdout: Buffer, stderr: string }>}
 */
export function runConsoleConsumer(opts) {
  ensureKafkaJars();
  const timeoutMs = opts.timeoutMs ?? KAFKA_DEFAULTS.consoleTimeoutMs;
  const args = [
    ...javaArgs('tools-log4j.properties', ['-Xmx256m']), KAFKA_DEFAULTS.consoleConsumerClass,
    '--bootstrap-server', opts.brokers, '--topic', opts.topic,
    '--max-messages', String(opts.maxMessages ?? 1),
    // The tool's own idle limit, shorter than ours so it exits cleanly when no record comes.
    '--timeout-ms', String(Math.max(1_000, timeoutMs - 15_000)),
  ];
  if (opts.fromBeginning ?? true) args.push('--from-beginning');
  if (opts.group) args.push('--group', opts.group);
  for (const [key, value] of Object.entries(opts.properties ?? {})) args.push('--property', `${key}=${value}`);
  args.push(...(opts.args ?? []));

  return new Promise((resolveRun, reject) => {
    const child = spawn('java', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let err = '';
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => { err += chunk; });
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout: Buffer.concat(out), stderr: err });
    });
  });
}

export const describe = 'Apache Kafka 3.9 (KRaft, single node) from Maven Central jars';
export { logTail };
