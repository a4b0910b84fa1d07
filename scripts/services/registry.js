// A Confluent-compatible schema registry for tests: Apicurio Registry with in-memory (H2)
// storage, serving the Confluent API under /apis/ccompat/v7. Built once from Maven Central
// artifacts by registry/pom.xml into .cache/registry/build, then started per test run on a free
// loopback port. See docs/services.md for why this is Apicurio 2.4 and not 3.x.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CACHE_DIR, MAVEN_SETTINGS, REPO_ROOT, RUN_DIR, freePort, instanceId, removeDir, run, spawnDaemon, stopGroup,
  waitUntil, writeServiceRecord,
} from './common.js';
import { ensureJava } from './kafka.js';

const REGISTRY_DIR = join(REPO_ROOT, 'scripts', 'services', 'registry');
const BUILD_DIR = join(CACHE_DIR, 'registry', 'build');

export const REGISTRY_DEFAULTS = Object.freeze({
  startTimeoutMs: 120_000, // two minutes; it starts in about ten seconds when the machine is idle
  heap: '-Xmx512m',
  apiPath: '/apis/ccompat/v7', // the Confluent Schema Registry API, version 7
});

function buildInputsDigest() {
  const hash = createHash('sha256');
  for (const file of [join(REGISTRY_DIR, 'pom.xml'), join(REGISTRY_DIR, 'src', 'main', 'resources', 'application.properties')]) {
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Builds the runnable registry jar once per pom/config content; returns its path. */
export function ensureRegistryBuild() {
  const marker = join(BUILD_DIR, `.built-${buildInputsDigest()}`);
  const findRunner = () => (existsSync(BUILD_DIR) ? readdirSync(BUILD_DIR).find((f) => f.endsWith('-runner.jar')) : undefined);
  if (existsSync(marker) && findRunner()) return join(BUILD_DIR, findRunner());
  ensureJava();
  removeDir(BUILD_DIR);
  mkdirSync(BUILD_DIR, { recursive: true });
  run('mvn', ['-B', '-q', '-s', MAVEN_SETTINGS, '-f', join(REGISTRY_DIR, 'pom.xml'), 'package', '-DskipTests',
    `-Dregistry.build.dir=${BUILD_DIR}`], { what: 'registry: building Apicurio Registry from Maven Central artifacts' });
  const runner = findRunner();
  if (!runner) throw new Error(`registry: the build finished but left no *-runner.jar in ${BUILD_DIR}`);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return join(BUILD_DIR, runner);
}

/**
 * Starts the registry. `brokers` is accepted for a registry that keeps its schemas in Kafka;
 * this one keeps them in memory and does not need it.
 * @param {{ brokers?: string, timeoutMs?: number }} [opts]
 * @returns {Promise<{ url: string, port: number, logFile: string, stop: () => Promise<void> }>}
 */
export async function start(opts = {}) {
  const timeoutMs = opts.timeoutMs ?? REGISTRY_DEFAULTS.startTimeoutMs;
  const jar = ensureRegistryBuild();
  const instanceDir = join(RUN_DIR, 'registry', instanceId());
  const logFile = join(instanceDir, 'registry.log');
  mkdirSync(instanceDir, { recursive: true });
  const port = await freePort();
  const daemon = spawnDaemon('java', [
    '-Xms128m', REGISTRY_DEFAULTS.heap, '-Djava.awt.headless=true',
    '-Dquarkus.http.host=127.0.0.1', `-Dquarkus.http.port=${port}`,
    '-jar', jar,
  ], { cwd: instanceDir, logFile });
  const record = { name: 'registry', kind: 'group', pid: daemon.pid, instanceDir, logFile, port };
  writeServiceRecord(instanceDir, record);
  const url = `http://127.0.0.1:${port}${REGISTRY_DEFAULTS.apiPath}`;
  const stop = () => stopRegistryInstance(record);
  try {
    await waitUntil('registry', async () => {
      const res = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(5_000) });
      return res.ok;
    }, { timeoutMs, logFile, isAlive: daemon.isAlive });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, logFile, stop };
}

export async function stopRegistryInstance(record) {
  await stopGroup(record.pid);
  removeDir(record.instanceDir);
}

export const describe = 'Apicurio Registry 2.4 (in-memory), Confluent API /apis/ccompat/v7';
