#!/usr/bin/env node
// The root test runner (`npm test`): prepares the native XGBoost reference if the wasm package
// provides a script for it, starts the real services once, runs node's test runner over the
// test files one file at a time, and stops the services however the run ends.
//
//   node scripts/test.js                      every test file
//   node scripts/test.js test/db test/x.test.ts   only these files / folders
//   TEST_SERVICES=postgres,kafka node scripts/test.js   start only these (all | none | a list)
//
// With TEST_SERVICES=none, DATABASE_URL / KAFKA_BROKERS / SCHEMA_REGISTRY_URL are passed through
// as they are (e.g. from `node scripts/services/cli.js up`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { REPO_ROOT } from './services/common.js';
import { parseServiceList, startAll, stopAll, stopRecorded } from './services/index.js';

const TEST_ROOTS = Object.freeze([
  { dir: 'test', pattern: /\.test\.ts$/ },
  { dir: join('wasm', 'xgboost-node-wasm', 'test'), pattern: /\.test\.(ts|mjs)$/ },
]);
const ANY_TEST_FILE = /\.test\.(ts|mjs|js)$/;
const XGBOOST_NATIVE_SCRIPT = join('wasm', 'scripts', 'ensure-native-xgboost.sh');

const log = (line) => console.error(`[test] ${line}`);

function walk(dir, pattern) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((entry) => join(dir, String(entry)))
    .filter((file) => pattern.test(file) && !file.includes(`${join('node_modules', '')}`) && statSync(file).isFile());
}

/** Test files from the arguments (files or folders), or every file under the test roots. */
function testFiles(args) {
  let files;
  if (args.length === 0) {
    files = TEST_ROOTS.flatMap(({ dir, pattern }) => walk(join(REPO_ROOT, dir), pattern));
  } else {
    files = args.flatMap((arg) => {
      const path = resolve(arg);
      if (!existsSync(path)) throw new Error(`no such test file or folder: ${arg}`);
      return statSync(path).isDirectory() ? walk(path, ANY_TEST_FILE) : [path];
    });
  }
  return [...new Set(files)].map((f) => relative(REPO_ROOT, f)).sort();
}

let child;
let stopping = false;

async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping tests and services`);
  if (child && child.exitCode === null) child.kill('SIGTERM');
  await stopAll();
  // Servers whose start was still under way are not in stopAll's list yet.
  await stopRecorded({ onlyOwn: true });
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

async function main() {
  const files = testFiles(process.argv.slice(2));
  if (files.length === 0) {
    log('no test files found');
    return 1;
  }

  if (existsSync(join(REPO_ROOT, XGBOOST_NATIVE_SCRIPT))) {
    log(`bash ${XGBOOST_NATIVE_SCRIPT}`);
    const result = spawnSync('bash', [XGBOOST_NATIVE_SCRIPT], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (result.status !== 0) {
      log(`${XGBOOST_NATIVE_SCRIPT} failed (exit ${result.status ?? result.signal})`);
      return 1;
    }
  }

  process.on('SIGINT', () => { void shutdown('SIGINT'); });
  process.on('SIGTERM', () => { void shutdown('SIGTERM'); });

  const services = parseServiceList(process.env.TEST_SERVICES);
  const env = { ...process.env };
  if (services.length) {
    // Servers left running by an earlier run that was killed (kill -9, a lost terminal).
    await stopRecorded({ onlyOrphans: true, log: (line) => log(`cleanup: ${line}`) });
    log(`starting services: ${services.join(', ')}`);
    const began = Date.now();
    try {
      const started = await startAll({ services, log });
      Object.assign(env, started.env);
      const timings = Object.entries(started.timings).map(([n, ms]) => `${n} ${(ms / 1000).toFixed(1)} s`).join(', ');
      log(`services up in ${((Date.now() - began) / 1000).toFixed(1)} s (${timings})`);
      for (const [k, v] of Object.entries(started.env)) log(`${k}=${v}`);
    } catch (err) {
      log(`cannot run the tests: ${err instanceof Error ? err.message : err}`);
      return 1;
    }
  }

  log(`running ${files.length} test file(s)`);
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', ...files];
  const code = await new Promise((resolveCode) => {
    child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: 'inherit' });
    child.on('exit', (exitCode, signal) => resolveCode(exitCode ?? (signal ? 1 : 0)));
    child.on('error', (err) => {
      log(`cannot start node's test runner: ${err.message}`);
      resolveCode(1);
    });
  });
  return code;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  log(err instanceof Error ? err.message : String(err));
  exitCode = 1;
} finally {
  if (!stopping) await stopAll();
}
process.exit(exitCode);
