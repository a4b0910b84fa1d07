// A private PostgreSQL this test process can stop and start at will (the shared DATABASE_URL
// server must not be restarted under other tests). Debian's server binaries, a temporary
// data directory, a free loopback port, trust auth. As root, the server runs as `postgres`.
import { execFile } from 'node:child_process'
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

const THROWAWAY_DEFAULTS = Object.freeze({
  binRoot: '/usr/lib/postgresql',
  osUser: 'postgres', // PostgreSQL refuses to run as root
  startTimeoutS: 60,
})

export interface ThrowawayPostgres {
  url: string
  /** pg_ctl stop: 'fast' terminates sessions cleanly, 'immediate' is a crash (WAL recovery on start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>
  start(): Promise<void>
  destroy(): Promise<void>
}

async function newestBinDir(): Promise<string> {
  const majors = existsSync(THROWAWAY_DEFAULTS.binRoot) ? await readdir(THROWAWAY_DEFAULTS.binRoot) : []
  const found = majors
    .filter((v) => existsSync(join(THROWAWAY_DEFAULTS.binRoot, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0]
  if (found === undefined) throw new Error(`no PostgreSQL server binaries under ${THROWAWAY_DEFAULTS.binRoot}/*/bin (apt-get install postgresql)`)
  return join(THROWAWAY_DEFAULTS.binRoot, found, 'bin')
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = await newestBinDir()
  const root = process.getuid?.() === 0
  const pg = (tool: string, args: string[]) =>
    root
      ? run('runuser', ['-u', THROWAWAY_DEFAULTS.osUser, '--', join(bin, tool), ...args], { cwd: '/' })
      : run(join(bin, tool), args)
  const dir = await mkdtemp(join(tmpdir(), 'ghm-throwaway-pg-'))
  if (root) {
    const ids = await Promise.all(['-u', '-g'].map(async (flag) => Number((await run('id', [flag, THROWAWAY_DEFAULTS.osUser])).stdout.trim())))
    await chown(dir, ids[0], ids[1])
  }
  const dataDir = join(dir, 'data')
  const port = await freePort()
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`
  const start = async () => {
    await pg('pg_ctl', ['-D', dataDir, '-l', join(dir, 'log'), '-o', options, '-w', '-t', String(THROWAWAY_DEFAULTS.startTimeoutS), 'start'])
  }
  let running = false
  await pg('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'])
  await start()
  running = true
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop(mode) {
      await pg('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop'])
      running = false
    },
    async start() {
      await start()
      running = true
    },
    async destroy() {
      if (running) await pg('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined)
      running = false
      await rm(dir, { recursive: true, force: true })
    },
  }
}
