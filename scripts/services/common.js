// Shared plumbing for the scripts that fetch, start and stop the real services the tests use:
// paths under the gitignored .cache/, free loopback ports, detached processes in their own
// process group (so stopping one never leaves a child behind), and polling until ready.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE_DIR = join(REPO_ROOT, '.cache');
/** One folder per running service instance: its config, data, log and service.json. */
export const RUN_DIR = join(CACHE_DIR, 'services');
export const MAVEN_SETTINGS = join(REPO_ROOT, 'scripts', 'services', 'maven-settings.xml');

export const DEFAULTS = Object.freeze({
  stopGraceMs: 15_000, // SIGTERM → SIGKILL after fifteen seconds
  pollIntervalMs: 250, // between readiness probes
});

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** A free TCP port on 127.0.0.1, found by binding port 0 and closing again. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it resolves truthy. Throws naming `what` with the last probe error and,
 * when given, the tail of the service's log file.
 */
export async function waitUntil(what, probe, { timeoutMs, logFile, isAlive } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (isAlive && !isAlive()) {
      throw new Error(`${what}: process exited before it was ready.${logTail(logFile)}`);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err;
    }
    await sleep(DEFAULTS.pollIntervalMs);
  }
  const reason = lastError ? ` Last error: ${lastError.message ?? lastError}.` : '';
  throw new Error(`${what}: not ready after ${timeoutMs} ms.${reason}${logTail(logFile)}`);
}

export function logTail(logFile, lines = 25) {
  if (!logFile || !existsSync(logFile)) return '';
  const text = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  return `\n--- last lines of ${logFile} ---\n${text}\n---`;
}

/** Like run(), without blocking the event loop (other services keep starting meanwhile). */
export function runAsync(cmd, args, { cwd, env, what = cmd } = {}) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.stderr.on('data', (chunk) => { out += chunk; });
    child.on('error', (err) => reject(new Error(`${what}: cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolveRun(out);
      else reject(new Error(`${what}: \`${cmd} ${args.join(' ')}\` exited with ${code ?? signal}\n${out.trim().split('\n').slice(-30).join('\n')}`));
    });
  });
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(cmd, args, { cwd, env, what = cmd, input } = {}) {
  const result = spawnSync(cmd, args, { cwd, env: env ?? process.env, encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${what}: cannot run ${cmd}: ${result.error.message}`);
  if (result.status !== 0) {
    const out = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${what}: \`${cmd} ${args.join(' ')}\` exited with ${result.status ?? result.signal}\n${out}`);
  }
  return result.stdout;
}

export function commandExists(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

let aptUpdated = false;
/** Installs Debian packages when missing (root only); runs `apt-get update` once if the first try fails. */
export function aptInstall(packages, what) {
  if (!isRoot()) {
    throw new Error(`${what}: needs Debian packages ${packages.join(' ')}; run as root or install them: apt-get install -y ${packages.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const args = ['install', '-y', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confold', ...packages];
  const first = spawnSync('apt-get', args, { env, encoding: 'utf8' });
  if (first.status === 0) return;
  if (!aptUpdated) {
    run('apt-get', ['update'], { env, what });
    aptUpdated = true;
  }
  run('apt-get', args, { env, what });
}

/**
 * Starts a long-running process detached, in its own process group, with stdout and stderr
 * appended to `logFile`. The caller stops it with stopGroup(pid).
 */
export function spawnDaemon(cmd, args, { cwd, env, logFile }) {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    let exited = false;
    child.on('exit', () => { exited = true; });
    child.on('error', () => { exited = true; });
    return { pid: child.pid, isAlive: () => !exited && isPidAlive(child.pid) };
  } finally {
    closeSync(fd);
  }
}

export function isPidAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  // A zombie (exited, not yet reaped by us) still answers signal 0.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** SIGTERM to the whole process group, then SIGKILL after the grace period. */
export async function stopGroup(pgid, { graceMs = DEFAULTS.stopGraceMs } = {}) {
  if (!pgid || !groupAlive(pgid)) return;
  try { process.kill(-pgid, 'SIGTERM'); } catch { /* already gone */ }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid) || !isPidAlive(pgid)) break;
    await sleep(100);
  }
  if (groupAlive(pgid)) {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

let keepAfterExit = false;
/** `cli.js up` marks its instances to outlive it; the test runner's die with it. */
export function markInstancesKept() {
  keepAfterExit = true;
}

/** service.json records how to stop an instance even from another process (`cli.js down`). */
export function writeServiceRecord(dir, record) {
  mkdirSync(dir, { recursive: true });
  const full = { ...record, startedBy: process.pid, keep: keepAfterExit };
  writeFileSync(join(dir, 'service.json'), `${JSON.stringify(full, null, 2)}\n`);
}

export function listServiceRecords() {
  if (!existsSync(RUN_DIR)) return [];
  const records = [];
  for (const name of readdirSync(RUN_DIR)) {
    const base = join(RUN_DIR, name);
    let entries;
    try { entries = readdirSync(base); } catch { continue; }
    for (const instance of entries) {
      const file = join(base, instance, 'service.json');
      if (existsSync(file)) {
        try { records.push({ dir: join(base, instance), ...JSON.parse(readFileSync(file, 'utf8')) }); } catch { /* half-written */ }
      }
    }
  }
  return records;
}

/**
 * Instance folders without service.json (a start interrupted before its server ran) whose
 * starting process is gone: nothing runs from them, remove them.
 */
export function removeAbandonedInstanceDirs() {
  if (!existsSync(RUN_DIR)) return;
  for (const name of readdirSync(RUN_DIR)) {
    let entries;
    try { entries = readdirSync(join(RUN_DIR, name)); } catch { continue; }
    for (const instance of entries) {
      const match = /^\d{8}T\d{6}-(\d+)-/.exec(instance);
      if (!match || existsSync(join(RUN_DIR, name, instance, 'service.json'))) continue;
      if (Number(match[1]) !== process.pid && !isPidAlive(Number(match[1]))) removeDir(join(RUN_DIR, name, instance));
    }
  }
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** A per-start folder name: sortable, unique across concurrent starts. */
export function instanceId() {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
}
