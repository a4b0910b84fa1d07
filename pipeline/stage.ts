import type { Observable, OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import type { Registry } from 'prom-client';
import type { Logger } from './log.js';

/** One input record as a stage sees it: decoded value plus where it came from. */
export interface Envelope<T = unknown> {
  readonly value: T;
  readonly key: string | null;
  /** Event time (ms since epoch): the record's timestamp. */
  readonly tsMs: number;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The bytes as they arrived, kept for the dead-letter topic. */
  readonly raw: Buffer;
}

/** An output record, derived from zero or more inputs (zero for a source stage). */
export interface Emit<T = unknown> {
  readonly kind: 'emit';
  readonly value: T;
  readonly key: string | null;
  readonly tsMs: number;
  /** Inputs this output is derived from; their offsets are committed only once it is acknowledged. */
  readonly from: readonly Envelope[];
  /**
   * The stage keeps these inputs as state after this output (a sample a later one is compared with):
   * they stay unreleased, and so uncommitted, until the stage releases them. A restart replays them and
   * the state is rebuilt.
   */
  readonly retain?: boolean;
}

/** An input the stage could not handle: it goes to the dead-letter topic with the reason. */
export interface DeadLetter {
  readonly kind: 'dead';
  readonly from: Envelope;
  readonly reason: string;
}

/**
 * Inputs fully handled without (further) output: filtered out, or written somewhere durable by the
 * stage itself (the sink). Emitting `release` only after that write is what makes the commit safe.
 */
export interface Release {
  readonly kind: 'release';
  readonly from: readonly Envelope[];
}

export type StageEvent<T = unknown> = Emit<T> | DeadLetter | Release;

export const emit = <T>(value: T, key: string | null, tsMs: number, from: readonly Envelope[], retain = false): Emit<T> => ({
  kind: 'emit',
  value,
  key,
  tsMs,
  from,
  retain,
});
export const deadLetter = (from: Envelope, reason: string): DeadLetter => ({ kind: 'dead', from, reason });
export const release = (from: readonly Envelope[]): Release => ({ kind: 'release', from });

/** What a stage's operator may use besides its parameters. */
export interface StageContext {
  /** The stage instance's name in the pipeline definition. */
  readonly name: string;
  readonly pipeline: string;
  readonly log: Logger;
  /** The process's Prometheus registry, for metrics of the stage's own (scrape targets up, ...). */
  readonly metrics: Registry;
  /** The Avro record name (short) a topic of this pipeline carries. */
  recordOf(topic: string): string;
  /** Services shared by stages (database, asset cache, ...) looked up by name; absent ones throw. */
  service<T>(name: string): T;
  /** The same, or null when the service is not provided (optional collaborators). */
  serviceOrNull<T>(name: string): T | null;
  /**
   * Resolves when the stage's unacknowledged outputs are below the runner's limit. A source awaits it
   * before producing more: this is how backpressure reaches stages that read no topic.
   */
  ready(): Promise<void>;
  /** Completes when the stage is asked to stop (sources stop producing). */
  readonly stopping$: Observable<void>;
  /** Partitions a rebalance took from this process: a stateful stage drops its state for them. */
  readonly revoked$: Observable<readonly { topic: string; partition: number }[]>;
}

export type StageOperator<P, In, Out> = (
  params: P,
  ctx: StageContext,
) => OperatorFunction<Envelope<In>, StageEvent<Out>>;

/**
 * A stage kind in the catalogue. The zod `params` schema is the single source of truth: it validates
 * pipeline definitions, types the operator and generates `pipeline describe` and the README catalogue.
 */
export interface StageDefinition<S extends z.ZodType = z.ZodType, In = unknown, Out = unknown> {
  readonly kind: string;
  readonly description: string;
  readonly params: S;
  /** Avro record name(s) the stage reads; empty for a source. */
  readonly input: readonly string[];
  /** Avro record name the stage writes; null for a terminal stage (sink). */
  readonly output: string | null;
  /**
   * True for stages that hold inputs as state (windows, the last sample per GPU): their commits trail what
   * they read on purpose. The runner caps their unacknowledged outputs rather than their in-flight inputs,
   * and the transport does not wait for their commits; their memory is bounded by their state.
   */
  readonly holdsInputs?: boolean;
  readonly operator: StageOperator<z.output<S>, In, Out>;
}

/** Identity helper that keeps the operator's parameter type tied to the schema. */
export function defineStage<S extends z.ZodType, In, Out>(def: StageDefinition<S, In, Out>): StageDefinition<S, In, Out> {
  return def;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStageDefinition = StageDefinition<z.ZodType, any, any>;
