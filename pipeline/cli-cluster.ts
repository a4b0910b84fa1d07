import { spawn, type ChildProcess } from 'node:child_process';
import { AssignerProtocol } from 'kafkajs';
import { Option, type Command } from 'commander';
import { openDatabase, type Database } from '../db/connect.js';
import { avroRecord } from './avro.js';
import type { PipelineSpecInput, ResolvedPipeline, ResolvedStage } from './definition.js';
import { createLogger, type Logger } from './log.js';
import { PipelineMetrics, serveMetrics } from './metrics.js';
import { AvroCodec, subjectForTopic } from './registry.js';
import { ConfluentRegistry } from './registry-confluent.js';
import { StageRunner } from './runner.js';
import { KafkaTransport } from './transport/kafka.js';
import { kafkaOptionsFromEnv, type KafkaConnectionFlags } from './transport/kafka-options.js';
import type { TopicConfig } from './transport/types.js';

/** What the cluster commands need from the main CLI: how definitions are found and resolved. */
export interface ClusterContext {
  /** The definition from a file, or the default GPU health pipeline when none is given. */
  loadDefinition(file: string | undefined): Promise<PipelineSpecInput>;
  /** Validates a definition against the stage catalogue. */
  resolveDefinition(spec: PipelineSpecInput): ResolvedPipeline;
}

export const CLUSTER_DEFAULTS = Object.freeze({
  /** First wait before restarting a crashed stage process; doubles per crash in a row. */
  restartBackoffMs: 1_000, // one second
  /** Longest wait between restarts. */
  restartBackoffMaxMs: 30_000, // thirty seconds
  /** A process that ran this long before crashing restarts after the first backoff again. */
  restartResetAfterMs: 60_000, // one minute
  /** A graceful stop of a child may take this long before it is killed. */
  childStopTimeoutMs: 20_000, // twenty seconds
  /** `status`: time between the two offset samples throughput is computed from. */
  statusIntervalMs: 2_000, // two seconds
});

interface ConnectionFlags extends KafkaConnectionFlags {
  registryUrl?: string;
  registryUsername?: string;
  registryPassword?: string;
}

/** Broker, SASL/TLS and registry flags; each falls back to its environment variable. */
function connectionOptions(command: Command, withRegistry: boolean): Command {
  command
    .addOption(new Option('--brokers <list>', 'Kafka bootstrap brokers, host:port[,host:port]').env('KAFKA_BROKERS'))
    .addOption(new Option('--client-id <id>', 'Kafka client id').env('KAFKA_CLIENT_ID'))
    .addOption(new Option('--sasl-mechanism <mechanism>', 'SASL mechanism').choices(['plain', 'scram-sha-256', 'scram-sha-512']).env('KAFKA_SASL_MECHANISM'))
    .addOption(new Option('--sasl-username <user>', 'SASL user name').env('KAFKA_SASL_USERNAME'))
    .addOption(new Option('--sasl-password <password>', 'SASL password (prefer the environment variable)').env('KAFKA_SASL_PASSWORD'))
    .addOption(new Option('--tls', 'TLS to the brokers (KAFKA_TLS=true)'))
    .addOption(new Option('--tls-ca-file <file>', 'PEM CA bundle for the brokers').env('KAFKA_TLS_CA_FILE'));
  if (withRegistry) {
    command
      .addOption(new Option('--registry-url <url>', 'Confluent-compatible schema registry').env('SCHEMA_REGISTRY_URL'))
      .addOption(new Option('--registry-username <user>', 'schema registry basic-auth user').env('SCHEMA_REGISTRY_USERNAME'))
      .addOption(new Option('--registry-password <password>', 'schema registry basic-auth password').env('SCHEMA_REGISTRY_PASSWORD'));
  }
  return command;
}

const definitionOption = () =>
  new Option('-d, --definition <file>', 'pipeline definition (.ts/.js module, .yaml or .json); default: the GPU health pipeline').env('PIPELINE_DEFINITION');

function registryFrom(flags: ConnectionFlags): ConfluentRegistry {
  if (!flags.registryUrl) throw new Error('no schema registry: pass --registry-url or set SCHEMA_REGISTRY_URL');
  return new ConfluentRegistry({ url: flags.registryUrl, username: flags.registryUsername, password: flags.registryPassword });
}

function topicConfigs(pipeline: ResolvedPipeline, replicationFactor?: number): TopicConfig[] {
  return [...pipeline.topics.values()].map((t) => ({
    name: t.name,
    partitions: t.partitions,
    retentionMs: t.retention_ms,
    ...(replicationFactor !== undefined ? { replicationFactor } : {}),
  }));
}

const groupOf = (pipeline: ResolvedPipeline, stage: string) => `${pipeline.name}.${stage}`;

function stageOf(pipeline: ResolvedPipeline, name: string): ResolvedStage {
  const stage = pipeline.stages.get(name);
  if (!stage) throw new Error(`no stage "${name}" in pipeline ${pipeline.name} (stages: ${[...pipeline.stages.keys()].join(', ')})`);
  return stage;
}

const int = (v: string) => {
  const n = Number.parseInt(v, 10);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${v}`);
  return n;
};

/**
 * Registers the cluster commands on the `pipeline` program: `topics create`, `stage NAME`,
 * `scale NAME=N ...` and `status`.
 */
export function registerClusterCommands(program: Command, ctx: ClusterContext): void {
  const resolve = async (file: string | undefined) => ctx.resolveDefinition(await ctx.loadDefinition(file));

  const topics = program.command('topics').description('Kafka topics of the pipeline (cluster mode).');
  connectionOptions(
    topics
      .command('create')
      .description('Create the definition\'s topics (partitions, replication, retention) and register their Avro schemas.')
      .addOption(definitionOption())
      .option('--replication-factor <n>', 'replicas per partition (default: the broker\'s default)', int)
      .option('--no-schemas', 'do not register the value schemas'),
    true,
  ).action(async (o: ConnectionFlags & { definition?: string; replicationFactor?: number; schemas: boolean }) => {
    const log = createLogger({ command: 'topics create' });
    const pipeline = await resolve(o.definition);
    const transport = new KafkaTransport(kafkaOptionsFromEnv(o), log);
    try {
      const configs = topicConfigs(pipeline, o.replicationFactor);
      await transport.ensureTopics(configs);
      for (const t of configs) process.stdout.write(`topic ${t.name}: ${t.partitions} partitions${t.retentionMs ? `, retention ${t.retentionMs} ms` : ''}\n`);
      if (o.schemas && o.registryUrl) {
        const registry = registryFrom(o);
        for (const t of pipeline.topics.values()) {
          const id = await registry.register(subjectForTopic(t.name), avroRecord(t.record).schema);
          process.stdout.write(`schema ${subjectForTopic(t.name)}: ${avroRecord(t.record).name} id ${id}\n`);
        }
      }
    } finally {
      await transport.close();
    }
  });

  connectionOptions(
    program
      .command('stage')
      .description('Run one stage of the pipeline against Kafka (cluster mode); more processes of the same stage share its partitions.')
      .argument('<name>', 'stage name in the definition')
      .addOption(definitionOption())
      .addOption(new Option('--database-url <url>', 'PostgreSQL for stages that use the database (enrich, sink)').env('DATABASE_URL'))
      .addOption(new Option('--metrics-port <port>', 'port of /metrics (0: any free port)').env('METRICS_PORT').argParser(int).default(9464))
      .addOption(new Option('--metrics-host <address>', 'address /metrics listens on').env('METRICS_HOST').default('127.0.0.1')),
    true,
  ).action(async (name: string, o: ConnectionFlags & { definition?: string; databaseUrl?: string; metricsPort: number; metricsHost: string }) => {
    await runStage(name, o, await resolve(o.definition));
  });

  connectionOptions(
    program
      .command('scale')
      .description('Supervise N `pipeline stage NAME` processes per stage on this machine: restarts crashed ones with backoff, forwards SIGINT/SIGTERM.')
      .argument('<stage=count...>', 'e.g. validate=3 enrich=2')
      .addOption(definitionOption())
      .option('--metrics-base-port <port>', 'process i of all listens on base + i (0: any free port)', int, 0),
    true,
  ).action(async (pairs: string[], o: ConnectionFlags & { definition?: string; metricsBasePort: number }) => {
    const pipeline = await resolve(o.definition);
    const wanted = pairs.map((pair) => {
      const m = /^([a-z][a-z0-9_-]*)=(\d+)$/.exec(pair);
      if (!m) throw new Error(`expected NAME=COUNT, got "${pair}"`);
      stageOf(pipeline, m[1]);
      return { stage: m[1], count: Number(m[2]) };
    });
    await supervise(wanted, o);
  });

  connectionOptions(
    program
      .command('status')
      .description('Per stage: group members and their partitions, lag per partition, throughput, dead letters.')
      .addOption(definitionOption())
      .option('--interval-ms <ms>', 'sampling interval for throughput', int, CLUSTER_DEFAULTS.statusIntervalMs)
      .option('--json', 'machine-readable output'),
    false,
  ).action(async (o: ConnectionFlags & { definition?: string; intervalMs: number; json?: boolean }) => {
    const log = createLogger({ command: 'status' });
    const pipeline = await resolve(o.definition);
    const transport = new KafkaTransport(kafkaOptionsFromEnv(o, process.env, { clientLogLevel: 'error' }), log);
    try {
      const status = await clusterStatus(transport, pipeline, o.intervalMs);
      process.stdout.write(o.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    } finally {
      await transport.close();
    }
  });
}

/** One stage in this process against Kafka, until SIGINT/SIGTERM (graceful) or a failure (exit 1). */
async function runStage(
  name: string,
  o: ConnectionFlags & { databaseUrl?: string; metricsPort: number; metricsHost: string },
  pipeline: ResolvedPipeline,
): Promise<void> {
  const log = createLogger({ mode: 'cluster', stage: name, pid: process.pid });
  const stage = stageOf(pipeline, name);
  // (A stage that holds inputs gets a consumer that does not wait for its commits: the runner asks for it.)
  const transport = new KafkaTransport(kafkaOptionsFromEnv(o, process.env), log);
  const codec = new AvroCodec(registryFrom(o));
  const metrics = new PipelineMetrics();
  const { server, url } = await serveMetrics(metrics.registry, o.metricsPort, o.metricsHost);
  let db: Database | undefined;
  const services = new Map<string, unknown>();
  if (o.databaseUrl) {
    db = await openDatabase({ url: o.databaseUrl, log });
    services.set('database', db);
  }
  const own = [...stage.inputs, stage.output, stage.deadLetter].filter((t): t is string => t !== null);
  await transport.ensureTopics(topicConfigs(pipeline).filter((t) => own.includes(t.name)));
  const runner = new StageRunner({ pipeline, stage, transport, codec, log, metrics, services });
  await runner.prepare();
  log.info({ metrics: url, group: runner.group }, 'stage process ready');
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string, code: number) => {
    stopping ??= (async () => {
      log.info({ reason }, 'stopping stage');
      try {
        await runner.stop();
      } catch (error) {
        log.error({ err: error }, 'stop failed');
        code = 1;
      }
      await transport.close().catch(() => {});
      await db?.close().catch(() => {});
      server.close();
      process.exit(code);
    })();
    return stopping;
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  await runner.start();
  try {
    await runner.finished; // a source that ran out; processing stages never finish on Kafka
    await shutdown('finished', 0);
  } catch (error) {
    log.fatal({ err: error }, 'stage failed');
    await shutdown('failed', 1);
  }
}

interface Supervised {
  readonly stage: string;
  readonly index: number;
  child?: ChildProcess;
  crashes: number;
  startedAt: number;
  timer?: NodeJS.Timeout;
}

/** Runs and keeps running `pipeline stage` processes; resolves when they have all stopped after a signal. */
async function supervise(wanted: readonly { stage: string; count: number }[], o: ConnectionFlags & { definition?: string; metricsBasePort: number }): Promise<void> {
  const log = createLogger({ command: 'scale' });
  const script = process.argv[1];
  const forwarded: string[] = [];
  if (o.definition) forwarded.push('--definition', o.definition);
  if (o.brokers) forwarded.push('--brokers', o.brokers);
  if (o.registryUrl) forwarded.push('--registry-url', o.registryUrl);
  if (o.tls) forwarded.push('--tls');
  const processes: Supervised[] = [];
  let stopping = false;
  let slot = 0;
  for (const { stage, count } of wanted) for (let i = 0; i < count; i++) processes.push({ stage, index: slot++, crashes: 0, startedAt: 0 });

  const start = (p: Supervised) => {
    const port = o.metricsBasePort ? o.metricsBasePort + p.index : 0;
    // The same node flags (tsx in development) and the same CLI script as this process.
    const child = spawn(process.execPath, [...process.execArgv, script, 'stage', p.stage, ...forwarded, '--metrics-port', String(port)], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: process.env,
    });
    p.child = child;
    p.startedAt = Date.now();
    log.info({ stage: p.stage, pid: child.pid }, 'stage process started');
    child.on('exit', (code, signal) => {
      p.child = undefined;
      if (stopping) return;
      if (Date.now() - p.startedAt > CLUSTER_DEFAULTS.restartResetAfterMs) p.crashes = 0;
      const delay = Math.min(CLUSTER_DEFAULTS.restartBackoffMs * 2 ** p.crashes, CLUSTER_DEFAULTS.restartBackoffMaxMs);
      p.crashes += 1;
      log.warn({ stage: p.stage, code, signal, restartInMs: delay }, 'stage process exited; restarting');
      p.timer = setTimeout(() => start(p), delay);
    });
  };
  for (const p of processes) start(p);

  await new Promise<void>((resolveAll) => {
    const stopAll = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal, processes: processes.length }, 'stopping stage processes');
      const running = processes.filter((p) => {
        clearTimeout(p.timer);
        return p.child;
      });
      if (!running.length) resolveAll();
      let left = running.length;
      for (const p of running) {
        const child = p.child!;
        const kill = setTimeout(() => child.kill('SIGKILL'), CLUSTER_DEFAULTS.childStopTimeoutMs);
        child.once('exit', () => {
          clearTimeout(kill);
          if (--left === 0) resolveAll();
        });
        child.kill(signal);
      }
    };
    process.on('SIGINT', () => stopAll('SIGINT'));
    process.on('SIGTERM', () => stopAll('SIGTERM'));
  });
}

export interface PartitionStatus {
  readonly topic: string;
  readonly partition: number;
  readonly committed: number | null;
  readonly end: number;
  readonly lag: number;
}

export interface StageStatus {
  readonly stage: string;
  readonly group: string;
  readonly state: string;
  readonly members: { readonly clientId: string; readonly host: string; readonly partitions: string[] }[];
  readonly partitions: PartitionStatus[];
  readonly lag: number;
  /** Committed input records per second over the sampling interval. */
  readonly recordsPerSecond: number;
  readonly deadLetterTopic: string | null;
}

export interface ClusterStatus {
  readonly pipeline: string;
  readonly stages: StageStatus[];
  /** Records held by each dead-letter topic (end − start offsets; shared by the stages that name it). */
  readonly deadLetters: Record<string, number>;
}

async function committedTotals(transport: KafkaTransport, pipeline: ResolvedPipeline) {
  return transport.admin(async (admin) => {
    const ends = new Map<string, { high: number; low: number }[]>();
    for (const t of pipeline.topics.keys()) {
      const offsets = await admin.fetchTopicOffsets(t).catch(() => []);
      ends.set(t, offsets.sort((a, b) => a.partition - b.partition).map((x) => ({ high: Number(x.high), low: Number(x.low) })));
    }
    const perStage = new Map<string, PartitionStatus[]>();
    for (const stage of pipeline.stages.values()) {
      if (!stage.inputs.length) continue;
      const fetched = await admin.fetchOffsets({ groupId: groupOf(pipeline, stage.name), topics: [...stage.inputs] });
      const rows: PartitionStatus[] = [];
      for (const { topic, partitions } of fetched) {
        for (const p of partitions) {
          const end = ends.get(topic)?.[p.partition] ?? { high: 0, low: 0 };
          const committed = Number(p.offset) >= 0 ? Number(p.offset) : null;
          rows.push({ topic, partition: p.partition, committed, end: end.high, lag: end.high - (committed ?? end.low) });
        }
      }
      perStage.set(stage.name, rows.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition));
    }
    return { ends, perStage };
  });
}

/** Group members, lag and throughput per stage, from the broker's admin API (no member of the groups is disturbed). */
export async function clusterStatus(transport: KafkaTransport, pipeline: ResolvedPipeline, intervalMs: number): Promise<ClusterStatus> {
  const first = await committedTotals(transport, pipeline);
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
  const second = await committedTotals(transport, pipeline);
  const sum = (rows: readonly PartitionStatus[] | undefined) => (rows ?? []).reduce((n, r) => n + (r.committed ?? 0), 0);
  const stages = [...pipeline.stages.values()].filter((s) => s.inputs.length);
  const groups = await transport.admin((admin) => admin.describeGroups(stages.map((s) => groupOf(pipeline, s.name))));
  const deadLetters: Record<string, number> = {};
  for (const s of pipeline.stages.values()) {
    if (s.deadLetter) deadLetters[s.deadLetter] = (second.ends.get(s.deadLetter) ?? []).reduce((n, p) => n + p.high - p.low, 0);
  }
  return {
    pipeline: pipeline.name,
    deadLetters,
    stages: stages.map((s) => {
      const group = groupOf(pipeline, s.name);
      const described = groups.groups.find((g) => g.groupId === group);
      const rows = second.perStage.get(s.name) ?? [];
      return {
        stage: s.name,
        group,
        state: described?.state ?? 'Unknown',
        members: (described?.members ?? []).map((m) => {
          const decoded = m.memberAssignment?.length ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
          const partitions = Object.entries(decoded?.assignment ?? {}).flatMap(([t, ps]) => ps.map((p) => `${t}/${p}`));
          return { clientId: m.clientId, host: m.clientHost, partitions };
        }),
        partitions: rows,
        lag: rows.reduce((n, r) => n + r.lag, 0),
        recordsPerSecond: Math.max(0, ((sum(rows) - sum(first.perStage.get(s.name))) * 1_000) / intervalMs),
        deadLetterTopic: s.deadLetter,
      };
    }),
  };
}

export function formatStatus(status: ClusterStatus): string {
  const lines = [`pipeline ${status.pipeline}`];
  for (const s of status.stages) {
    lines.push('', `stage ${s.stage}  (group ${s.group}, ${s.state}, ${s.members.length} member${s.members.length === 1 ? '' : 's'})`);
    lines.push(`  throughput ${s.recordsPerSecond.toFixed(1)} records/s   lag ${s.lag}${s.deadLetterTopic ? `   dead letters → ${s.deadLetterTopic}` : ''}`);
    for (const m of s.members) lines.push(`  member ${m.clientId}@${m.host}: ${m.partitions.join(' ') || '(no partitions)'}`);
    for (const p of s.partitions) lines.push(`  ${p.topic}/${p.partition}  committed ${p.committed ?? '-'}  end ${p.end}  lag ${p.lag}`);
  }
  const dl = Object.entries(status.deadLetters);
  if (dl.length) lines.push('', ...dl.map(([t, n]) => `dead-letter topic ${t}: ${n} records`));
  return `${lines.join('\n')}\n`;
}

export type { Logger };
