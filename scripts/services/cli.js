#!/usr/bin/env node
// Local use of the test services:
//   node scripts/services/cli.js up [postgres,kafka,registry]  start them, leave them running,
//                                                              write .cache/services.env
//   node scripts/services/cli.js env                           print .cache/services.env
//   node scripts/services/cli.js down                          stop every recorded instance
// With the services up, `set -a; . .cache/services.env; set +a` and run tests against them
// (e.g. TEST_SERVICES=none node scripts/test.js, which then keeps the variables as they are).
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, markInstancesKept } from './common.js';
import { ENV_NAMES, parseServiceList, startAll, stopRecorded } from './index.js';

const ENV_FILE = join(CACHE_DIR, 'services.env');
const log = (line) => console.error(`[services] ${line}`);

async function up(list) {
  const services = parseServiceList(list);
  markInstancesKept();
  const { env, timings } = await startAll({ services, log });
  mkdirSync(CACHE_DIR, { recursive: true });
  const lines = Object.values(ENV_NAMES).filter((k) => env[k]).map((k) => `${k}=${env[k]}`);
  writeFileSync(ENV_FILE, `${lines.join('\n')}\n`);
  for (const [name, ms] of Object.entries(timings)) log(`${name} started in ${(ms / 1000).toFixed(1)} s`);
  log(`wrote ${ENV_FILE}; stop with: node scripts/services/cli.js down`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function down() {
  await stopRecorded({ log });
  rmSync(ENV_FILE, { force: true });
}

function env() {
  if (!existsSync(ENV_FILE)) {
    log('no services are up (no .cache/services.env); start them with: node scripts/services/cli.js up');
    process.exitCode = 1;
    return;
  }
  process.stdout.write(readFileSync(ENV_FILE, 'utf8'));
}

const [command, arg] = process.argv.slice(2);
try {
  if (command === 'up') await up(arg);
  else if (command === 'down') await down();
  else if (command === 'env') env();
  else {
    console.error('usage: node scripts/services/cli.js up [postgres,kafka,registry] | down | env');
    process.exitCode = 2;
  }
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
}
// up leaves detached servers running; nothing else should keep this process alive.
process.exit();
