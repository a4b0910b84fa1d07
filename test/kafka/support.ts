import { randomBytes } from 'node:crypto';
import type { PipelineSpecInput } from '../../pipeline/definition.js';
import type { Logger } from '../../pipeline/log.js';
import { ConfluentRegistry } from '../../pipeline/registry-confluent.js';
import { KafkaTransport } from '../../pipeline/transport/kafka.js';
import type { KafkaOptionsInput } from '../../pipeline/transport/kafka-options.js';
import { quietLog } from '../support/engine.js';

/**
 * The real broker and registry these tests run against. The root test runner (scripts/test.js) starts
 * Kafka and the registry and passes their addresses; a missing variable is a failure, not a skip.
 */
export function clusterEnv(): { brokers: string; registryUrl: string } {
  const brokers = process.env.KAFKA_BROKERS;
  const registryUrl = process.env.SCHEMA_REGISTRY_URL;
  const missing = [!brokers && 'KAFKA_BROKERS', !registryUrl && 'SCHEMA_REGISTRY_URL'].filter(Boolean);
  if (missing.length) {
    throw new Error(
      `${missing.join(' and ')} not set: these tests need a real Kafka broker and schema registry. ` +
        'Run them through `node scripts/test.js test/kafka` (it starts both), or start them with ' +
        '`node scripts/services/cli.js up kafka,registry` and export .cache/services.env.',
    );
  }
  return { brokers: brokers!, registryUrl: registryUrl! };
}

/** A suffix no other test (or earlier run against the same broker) uses. */
let counter = 0;
export function uniqueSuffix(): string {
  counter += 1;
  return `t${Date.now().toString(36)}${randomBytes(2).toString('hex')}${counter}`;
}

/** The same definition with its own pipeline name and topic names, so runs never share groups or topics. */
export function isolate(spec: PipelineSpecInput, suffix = uniqueSuffix()): PipelineSpecInput {
  const rename = (topic: string) => `${topic}.${suffix}`;
  const topics = Object.fromEntries(Object.entries(spec.topics).map(([name, t]) => [rename(name), t]));
  const stages = Object.fromEntries(
    Object.entries(spec.stages).map(([name, s]) => [
      name,
      {
        ...s,
        ...(s.input !== undefined ? { input: Array.isArray(s.input) ? s.input.map(rename) : rename(s.input) } : {}),
        ...(s.output !== undefined ? { output: rename(s.output) } : {}),
        ...(s.dead_letter !== undefined ? { dead_letter: rename(s.dead_letter) } : {}),
      },
    ]),
  );
  return { ...spec, name: `${spec.name}-${suffix}`, topics, stages };
}

/** Test-friendly client settings: short fetch waits and heartbeats so rebalances finish in seconds. */
export const TEST_KAFKA: Partial<KafkaOptionsInput> = Object.freeze({
  maxWaitTimeMs: 100, // ms
  heartbeatIntervalMs: 1_000, // one second
  sessionTimeoutMs: 10_000, // ten seconds: a killed member's partitions move after this
  rebalanceTimeoutMs: 20_000, // twenty seconds
  clientLogLevel: 'nothing' as const,
});

/** The environment of a `pipeline stage` child process: this broker and registry, the test group timings. */
export function stageProcessEnv(): NodeJS.ProcessEnv {
  const { brokers, registryUrl } = clusterEnv();
  return {
    ...process.env,
    KAFKA_BROKERS: brokers,
    SCHEMA_REGISTRY_URL: registryUrl,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    KAFKA_SESSION_TIMEOUT_MS: String(TEST_KAFKA.sessionTimeoutMs),
    KAFKA_HEARTBEAT_INTERVAL_MS: String(TEST_KAFKA.heartbeatIntervalMs),
    KAFKA_REBALANCE_TIMEOUT_MS: String(TEST_KAFKA.rebalanceTimeoutMs),
  };
}

export function kafkaTransport(log: Logger = quietLog(), extra: Partial<KafkaOptionsInput> = {}): KafkaTransport {
  const { brokers } = clusterEnv();
  return new KafkaTransport({ ...TEST_KAFKA, ...extra, brokers: brokers.split(',') }, log);
}

export function confluentRegistry(): ConfluentRegistry {
  return new ConfluentRegistry({ url: clusterEnv().registryUrl });
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
