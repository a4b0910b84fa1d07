// Serves a simulated fleet as dcgm-exporter endpoints: one `GET /metrics` per host, each on
// its own port (as every node runs its own exporter on :9400) or, in one server, on
// `/hosts/<hostname>/metrics`. The fleet's event time advances with the wall clock times
// `speed` (3600: an hour of fleet life per second, a month in about 12 minutes), or only by
// hand when speed is 0. The wall clock only paces the stepping; every value still comes from
// the fleet's event time.
//
//   node --import tsx sim/exporter-server.ts --gpus 64 --seed 7 --speed 3600 --base-port 9400

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

import type { GpuSample } from '../dcgm/types.js';
import { renderExporterText, type RenderOptions } from './exporter-format.js';
import { Fleet, type FleetTick } from './fleet.js';

export const EXPORTER_SERVER_DEFAULTS = Object.freeze({
  bindAddress: '127.0.0.1',
  basePort: 0, // 0: an ephemeral port per host (tests); 9400 is dcgm-exporter's own port
  speed: 1, // event-time ms per wall ms: real time
  pumpIntervalMs: 100, // how often the clock catches the fleet up (wall ms)
  maxGpuStepsPerPump: 200_000, // bounds one catch-up so /metrics stays responsive when behind
  layout: 'port-per-host' as const,
});

export interface ExporterFleetOptions {
  fleet: Fleet;
  /** First port; host i listens on basePort + i. 0 gives each host an ephemeral port. */
  basePort?: number;
  bindAddress?: string;
  /** Event-time ms per wall ms (3600 = an hour per second); 0 = paused, advance() by hand. */
  speed?: number;
  /** `port-per-host` (default) or `path-per-host`: one server, /hosts/<hostname>/metrics. */
  layout?: 'port-per-host' | 'path-per-host';
  hostLabel?: RenderOptions['hostLabel'];
}

export interface ExporterFleet {
  /** One scrape URL per host, in host order. */
  urls: string[];
  hostnames: string[];
  /** Steps the fleet once and serves that tick (for speed 0, or tests). */
  advance(): FleetTick;
  /** The tick being served. */
  latest(): FleetTick;
  close(): Promise<void>;
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export async function startExporterFleet(options: ExporterFleetOptions): Promise<ExporterFleet> {
  const fleet = options.fleet;
  const speed = options.speed ?? EXPORTER_SERVER_DEFAULTS.speed;
  const bindAddress = options.bindAddress ?? EXPORTER_SERVER_DEFAULTS.bindAddress;
  const basePort = options.basePort ?? EXPORTER_SERVER_DEFAULTS.basePort;
  const layout = options.layout ?? EXPORTER_SERVER_DEFAULTS.layout;
  const renderOptions: RenderOptions = options.hostLabel === undefined ? {} : { hostLabel: options.hostLabel };
  const hostnames = fleet.hosts();
  if (!(speed >= 0)) throw new Error('speed must be 0 or more');

  let latest: FleetTick = fleet.step();
  let byHost: Map<string, GpuSample[]> | null = null;
  const rendered = new Map<string, string>();
  const setLatest = (tick: FleetTick): void => {
    latest = tick;
    byHost = null;
    rendered.clear();
  };
  const textFor = (hostname: string): string => {
    const cached = rendered.get(hostname);
    if (cached !== undefined) return cached;
    if (byHost === null) {
      byHost = new Map(hostnames.map((h) => [h, []]));
      for (const s of latest.samples) byHost.get(s.hostname)?.push(s);
    }
    const text = renderExporterText(byHost.get(hostname) ?? [], renderOptions);
    rendered.set(hostname, text);
    return text;
  };
  const respond = (res: ServerResponse, hostname: string | undefined): void => {
    if (hostname === undefined || !hostnames.includes(hostname)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPE }).end(textFor(hostname));
  };

  const servers: Server[] = [];
  const urls: string[] = [];
  const listen = async (server: Server, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, bindAddress, () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });

  try {
    if (layout === 'port-per-host') {
      for (let i = 0; i < hostnames.length; i++) {
        const hostname = hostnames[i]!;
        const server = createServer((req: IncomingMessage, res: ServerResponse) => {
          respond(res, req.method === 'GET' && (req.url ?? '').split('?')[0] === '/metrics' ? hostname : undefined);
        });
        servers.push(server);
        const port = await listen(server, basePort === 0 ? 0 : basePort + i);
        urls.push(`http://${bindAddress}:${port}/metrics`);
      }
    } else {
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const m = /^\/hosts\/([^/?]+)\/metrics(?:\?.*)?$/.exec(req.url ?? '');
        respond(res, req.method === 'GET' && m !== null ? decodeURIComponent(m[1]!) : undefined);
      });
      servers.push(server);
      const port = await listen(server, basePort);
      for (const h of hostnames) urls.push(`http://${bindAddress}:${port}/hosts/${encodeURIComponent(h)}/metrics`);
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    throw err;
  }

  let timer: NodeJS.Timeout | null = null;
  if (speed > 0) {
    const wallStart = performance.now();
    const eventStart = latest.tsMs;
    const gpus = Math.max(1, latest.samples.length);
    const maxSteps = Math.max(1, Math.floor(EXPORTER_SERVER_DEFAULTS.maxGpuStepsPerPump / gpus));
    timer = setInterval(() => {
      const targetMs = eventStart + (performance.now() - wallStart) * speed;
      let tick: FleetTick | null = null;
      for (let n = 0; n < maxSteps && latest.tsMs + fleet.stepMs <= targetMs; n++) {
        tick = fleet.step();
        latest = tick;
      }
      if (tick !== null) setLatest(tick);
    }, EXPORTER_SERVER_DEFAULTS.pumpIntervalMs);
    timer.unref();
  }

  return {
    urls,
    hostnames,
    advance(): FleetTick {
      const tick = fleet.step();
      setLatest(tick);
      return tick;
    },
    latest: () => latest,
    async close(): Promise<void> {
      if (timer !== null) clearInterval(timer);
      await Promise.all(
        servers.map((s) => new Promise<void>((resolve, reject) => {
          s.close((err) => (err ? reject(err) : resolve()));
          s.closeAllConnections();
        })),
      );
    },
  };
}
