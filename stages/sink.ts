import { bufferTime, concatMap, filter, type Observable } from 'rxjs';
import { z } from 'zod';
import type { Database, Sql } from '../db/connect.js';
import { withRetry } from '../db/retry.js';
import { writeMetrics, writeRows, type TableSpec } from '../db/writers.js';
import type { GpuSample } from '../dcgm/types.js';
import { defineStage, release, type Envelope, type StageEvent } from '../pipeline/stage.js';
import type { EnrichedGpuSample } from './enrich.js';

const params = z.object({
  batch_size: z.number().int().positive().default(500).describe('Rows per database write at most.'),
  flush_ms: z.number().int().positive().default(200).describe('Longest a row waits for its batch to fill, ms.'),
  retry_attempts: z.number().int().positive().default(20).describe('Tries of one batch while the database is away before the stage fails.'),
});

interface DeadLetterRecord {
  stage: string;
  reason: string;
  source_topic: string;
  source_partition: number;
  source_offset: number;
  key: Buffer | null;
  value: Buffer;
  ts_ms: number;
}

interface DeadLetterRow {
  stage: string;
  source_topic: string;
  source_partition: number;
  source_offset: number;
  reason: string;
  record_key: string | null;
  record_value: Buffer;
  ts: Date;
}

const DEAD_LETTERS: TableSpec<DeadLetterRow> = {
  table: 'dead_letters',
  columns: ['stage', 'source_topic', 'source_partition', 'source_offset', 'reason', 'record_key', 'record_value', 'ts'],
  conflict: ['stage', 'source_topic', 'source_partition', 'source_offset'],
};

/** How each record type the sink accepts becomes rows. One entry per durable record type. */
const WRITERS: Record<string, (sql: Sql, values: unknown[]) => Promise<number>> = {
  GpuSample: (sql, values) => writeMetrics(sql, values as GpuSample[]),
  EnrichedGpuSample: (sql, values) => writeMetrics(sql, (values as EnrichedGpuSample[]).map((v) => v.sample)),
  DeadLetter: (sql, values) =>
    writeRows(
      sql,
      DEAD_LETTERS,
      (values as DeadLetterRecord[]).map((d) => ({
        stage: d.stage,
        source_topic: d.source_topic,
        source_partition: d.source_partition,
        source_offset: d.source_offset,
        reason: d.reason,
        record_key: d.key === null ? null : Buffer.from(d.key).toString('utf8'),
        record_value: Buffer.from(d.value),
        ts: new Date(d.ts_ms),
      })),
    ),
};

/**
 * sink: batched, idempotent writes of durable topics to PostgreSQL (natural keys, ON CONFLICT). Inputs are
 * released — and so committed — only after their batch is written; while the database is away the batch
 * is retried with backoff, and consuming stops behind it.
 */
export const sink = defineStage({
  kind: 'sink',
  description: 'Batched idempotent writes of durable topics (samples, dead letters, ...) to PostgreSQL.',
  params,
  input: Object.keys(WRITERS),
  output: null,
  operator: (p, ctx) => (in$: Observable<Envelope<unknown>>): Observable<StageEvent<never>> => {
    const db = ctx.service<Database>('database');
    return in$.pipe(
      bufferTime(p.flush_ms, null, p.batch_size),
      filter((batch) => batch.length > 0),
      concatMap(async (batch) => {
        const byRecord = new Map<string, unknown[]>();
        for (const e of batch) {
          const record = ctx.recordOf(e.topic);
          byRecord.set(record, [...(byRecord.get(record) ?? []), e.value]);
        }
        for (const [record, values] of byRecord) {
          const write = WRITERS[record];
          if (!write) throw new Error(`sink cannot write ${record} records`);
          await withRetry(() => write(db.sql, values), { log: ctx.log, what: `write ${values.length} ${record}`, attempts: p.retry_attempts });
        }
        return release(batch);
      }),
    );
  },
});
