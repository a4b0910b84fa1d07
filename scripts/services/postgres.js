// A throwaway PostgreSQL for tests: Debian's server binaries (installed with apt when absent),
// a private data directory under .cache/services/postgres/<instance>/, a free loopback port,
// trust auth on 127.0.0.1 only. The system cluster is never touched.
//
// PostgreSQL refuses to run as root, so as root initdb and pg_ctl run as the `postgres` user
// (created by the Debian package) through runuser, and the data directory is owned by it.
import { existsSync, mkdirSync, readdirSync, readFileSync, chownSync, chmodSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import {
  RUN_DIR, aptInstall, freePort, instanceId, isRoot, removeDir, run, waitUntil, writeServiceRecord, isPidAlive, stopGroup, logTail,
} from './common.js';

export const POSTGRES_DEFAULTS = Object.freeze({
  database: 'ghm',
  user: 'postgres',
  osUser: 'postgres', // the unprivileged account that owns and runs the server when we are root
  startTimeoutMs: 60_000, // one minute: pg_ctl -w waits this long for "ready"
  stopTimeoutMs: 30_000, // thirty seconds for a fast shutdown before SIGKILL
});

/** Newest /usr/lib/postgresql/<major>/bin, installing Debian's `postgresql` when none exists. */
export function ensurePostgresBinaries() {
  const find = () => {
    const base = '/usr/lib/postgresql';
    if (!existsSync(base)) return undefined;
    const majors = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    return majors.length ? join(base, majors[0], 'bin') : undefined;
  };
  let bin = find();
  if (!bin) {
    // Keep the package from creating (and starting) a system cluster we would never use.
    const createclusterConf = '/etc/postgresql-common/createcluster.conf';
    if (isRoot() && !existsSync(createclusterConf)) {
      mkdirSync('/etc/postgresql-common', { recursive: true });
      writeFileSync(createclusterConf, 'create_main_cluster = false\n');
    }
    aptInstall(['postgresql'], 'postgres');
    bin = find();
    if (!bin) throw new Error('postgres: `apt-get install postgresql` finished but no /usr/lib/postgresql/*/bin/initdb exists');
  }
  return bin;
}

function osUserIds(name) {
  const out = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  if (out.status !== 0) return undefined;
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  return { uid: Number(out.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Runs a server binary, as the unprivileged user when we are root. */
function runPg(bin, tool, args, what) {
  if (isRoot()) return run('runuser', ['-u', POSTGRES_DEFAULTS.osUser, '--', join(bin, tool), ...args], { what, cwd: '/' });
  return run(join(bin, tool), args, { what });
}

/** Whether `dir`'s ancestors let the unprivileged user reach it (a clone under /root does not). */
function reachableByOsUser(dir) {
  if (!isRoot()) return true;
  return spawnSync('runuser', ['-u', POSTGRES_DEFAULTS.osUser, '--', 'test', '-x', dir], { stdio: 'ignore' }).status === 0;
}

/** Root folder for postgres instances: .cache/services/postgres, or a /tmp folder when the user cannot reach .cache. */
function postgresBaseDir() {
  const preferred = join(RUN_DIR, 'postgres');
  mkdirSync(preferred, { recursive: true });
  if (reachableByOsUser(preferred)) return preferred;
  return mkdtempSync(join(tmpdir(), 'ghm-postgres-'));
}

function giveToOsUser(path, ids) {
  if (!ids) return;
  chownSync(path, ids.uid, ids.gid);
}

/**
 * An initdb'd template per server version, made once and copied per start (copying takes
 * milliseconds; initdb takes seconds).
 */
function ensureTemplate(bin, baseDir, ids) {
  const version = run(join(bin, 'postgres'), ['--version'], { what: 'postgres' }).match(/\d+(\.\d+)*/)?.[0] ?? 'unknown';
  const template = join(baseDir, `template-${version}`);
  if (existsSync(join(template, 'PG_VERSION')) && existsSync(join(template, '.complete'))) return template;
  removeDir(template);
  mkdirSync(template, { recursive: true });
  giveToOsUser(template, ids);
  chmodSync(template, 0o700);
  runPg(bin, 'initdb', [
    '-D', template, '-U', POSTGRES_DEFAULTS.user, '--auth-local=trust', '--auth-host=trust',
    '--encoding=UTF8', '--no-locale', '--no-sync',
  ], 'postgres initdb');
  writeFileSync(join(template, '.complete'), 'ok\n');
  giveToOsUser(join(template, '.complete'), ids);
  return template;
}

/**
 * Starts a private PostgreSQL and creates an empty database.
 * @param {{ database?: string, timeoutMs?: number }} [opts]
 * @returns {Promise<{ url: string, port: number, dataDir: string, logFile: string, stop: () => Promise<void> }>}
 */
export async function start(opts = {}) {
  const database = opts.database ?? POSTGRES_DEFAULTS.database;
  const timeoutMs = opts.timeoutMs ?? POSTGRES_DEFAULTS.startTimeoutMs;
  const bin = ensurePostgresBinaries();
  const ids = isRoot() ? osUserIds(POSTGRES_DEFAULTS.osUser) : undefined;
  if (isRoot() && !ids) throw new Error(`postgres: running as root needs the unprivileged user "${POSTGRES_DEFAULTS.osUser}" (made by Debian's postgresql package)`);

  const baseDir = postgresBaseDir();
  giveToOsUser(baseDir, ids);
  const template = ensureTemplate(bin, baseDir, ids);

  const instanceDir = join(baseDir, instanceId());
  const dataDir = join(instanceDir, 'data');
  const logFile = join(instanceDir, 'postgres.log');
  mkdirSync(instanceDir, { recursive: true });
  cpSync(template, dataDir, { recursive: true });
  if (ids) spawnSync('chown', ['-R', `${ids.uid}:${ids.gid}`, instanceDir]);
  chmodSync(dataDir, 0o700);

  const port = await freePort();
  // Durability settings off: a test server never survives a machine crash anyway, and fsync
  // dominates the run time of small transactions. Unix sockets live in the instance folder.
  const serverOptions = [
    `-p ${port}`, "-c listen_addresses=127.0.0.1", `-c unix_socket_directories=${instanceDir}`,
    '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=200',
  ].join(' ');
  const record = { name: 'postgres', kind: 'pg_ctl', bin, dataDir, instanceDir, logFile, port };
  writeServiceRecord(instanceDir, record);
  if (ids) spawnSync('chown', [`${ids.uid}:${ids.gid}`, join(instanceDir, 'service.json')]);

  const stop = async () => {
    await stopPostgresInstance(record);
  };
  try {
    runPg(bin, 'pg_ctl', ['-D', dataDir, '-l', logFile, '-o', serverOptions, '-w', '-t', String(Math.ceil(timeoutMs / 1000)), 'start'], 'postgres pg_ctl start');
    const adminUrl = `postgres://${POSTGRES_DEFAULTS.user}@127.0.0.1:${port}/postgres`;
    await waitUntil('postgres', async () => {
      const sql = postgres(adminUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
      try {
        await sql`select 1`;
        return true;
      } finally {
        await sql.end({ timeout: 1 });
      }
    }, { timeoutMs, logFile });
    const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(`create database "${database}"`);
    } finally {
      await sql.end({ timeout: 1 });
    }
  } catch (err) {
    await stop().catch(() => {});
    err.message = `${err.message}${err.message.includes(logFile) ? '' : logTail(logFile)}`;
    throw err;
  }
  return { url: `postgres://${POSTGRES_DEFAULTS.user}@127.0.0.1:${port}/${database}`, port, dataDir, logFile, stop };
}

function postmasterPid(dataDir) {
  try {
    return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

/** Fast shutdown with pg_ctl; SIGKILL to the postmaster's group if that fails; then removes the instance. */
export async function stopPostgresInstance(record) {
  const pid = postmasterPid(record.dataDir);
  if (pid && isPidAlive(pid)) {
    try {
      runPg(record.bin, 'pg_ctl', ['-D', record.dataDir, '-m', 'fast', '-w', '-t', String(POSTGRES_DEFAULTS.stopTimeoutMs / 1000), 'stop'], 'postgres pg_ctl stop');
    } catch {
      // pg_ctl start runs the postmaster in its own session, so its pid is its group id.
      await stopGroup(pid, { graceMs: 2_000 });
    }
  }
  removeDir(record.instanceDir);
}

export const describe = 'PostgreSQL (Debian package), pg_ctl on a private data directory';
