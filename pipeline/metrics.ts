import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The same metrics for every stage, labelled by stage, so one dashboard fits all (the Benthos habit):
 * records in, out, dead-lettered, processing time, in-flight and commit lag.
 */
export class PipelineMetrics {
  readonly registry = new Registry();
  readonly recordsIn: Counter<'stage'>;
  readonly recordsOut: Counter<'stage' | 'topic'>;
  readonly deadLettered: Counter<'stage'>;
  readonly processingSeconds: Histogram<'stage'>;
  readonly inFlight: Gauge<'stage'>;
  readonly commitLag: Gauge<'stage'>;
  readonly commits: Counter<'stage'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.recordsIn = new Counter({ name: 'pipeline_records_in_total', help: 'Records consumed by the stage.', labelNames: ['stage'], registers });
    this.recordsOut = new Counter({ name: 'pipeline_records_out_total', help: 'Records produced by the stage and acknowledged.', labelNames: ['stage', 'topic'], registers });
    this.deadLettered = new Counter({ name: 'pipeline_records_dead_lettered_total', help: 'Inputs sent to the dead-letter topic.', labelNames: ['stage'], registers });
    this.processingSeconds = new Histogram({
      name: 'pipeline_processing_seconds',
      help: 'From an input arriving to everything derived from it being acknowledged.',
      labelNames: ['stage'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300],
      registers,
    });
    this.inFlight = new Gauge({ name: 'pipeline_in_flight_records', help: 'Inputs consumed and not yet settled.', labelNames: ['stage'], registers });
    this.commitLag = new Gauge({ name: 'pipeline_commit_lag_records', help: 'Inputs consumed beyond the committed offsets.', labelNames: ['stage'], registers });
    this.commits = new Counter({ name: 'pipeline_commits_total', help: 'Offset commits made.', labelNames: ['stage'], registers });
  }
}

/** Serves `GET /metrics` in the Prometheus text format. Port 0 picks a free port. */
export async function serveMetrics(registry: Registry, port: number, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        })
        .catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('see /metrics\n');
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return { server, url: `http://${host}:${actual}/metrics` };
}
