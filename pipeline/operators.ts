import { concatMap, from, mergeMap, type Observable, type OperatorFunction } from 'rxjs';
import { deadLetter, emit, release, type Envelope, type StageEvent } from './stage.js';

/** An output of a per-record function: the value, its key and its event time. */
export interface Produced<T> {
  readonly value: T;
  readonly key: string | null;
  readonly tsMs: number;
}

export type PerRecordResult<T> = Produced<T> | readonly Produced<T>[] | null;

/** The error a per-record function throws to dead-letter its input with a precise reason. */
export class RejectedRecord extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RejectedRecord';
  }
}

/**
 * The error a per-record function throws when the fault is not the record's (the database stayed away
 * past its retries): the stage fails instead of dead-lettering a good record, and a restart replays it.
 */
export class StageFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StageFailure';
  }
}

function toEvents<In, Out>(envelope: Envelope<In>, result: PerRecordResult<Out>): StageEvent<Out>[] {
  if (result === null) return [release([envelope])];
  const list = Array.isArray(result) ? (result as readonly Produced<Out>[]) : [result as Produced<Out>];
  if (!list.length) return [release([envelope])];
  return list.map((p) => emit(p.value, p.key, p.tsMs, [envelope]));
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The shape most stages have: each input gives zero or more outputs, in order. A function that throws
 * dead-letters that input with the error's message and the stream goes on; a StageFailure fails the stage.
 */
export function perRecord<In, Out>(
  fn: (envelope: Envelope<In>) => PerRecordResult<Out> | Promise<PerRecordResult<Out>>,
): OperatorFunction<Envelope<In>, StageEvent<Out>> {
  return concatMap((envelope: Envelope<In>): Observable<StageEvent<Out>> => {
    let result: PerRecordResult<Out> | Promise<PerRecordResult<Out>>;
    try {
      result = fn(envelope);
    } catch (error) {
      if (error instanceof StageFailure) throw error;
      return from([deadLetter(envelope, reasonOf(error))]);
    }
    if (result instanceof Promise) {
      const handled = result.then(
        (r) => toEvents(envelope, r),
        (error: unknown) => {
          if (error instanceof StageFailure) throw error;
          return [deadLetter(envelope, reasonOf(error))];
        },
      );
      return from(handled).pipe(
        mergeMap((events) => from(events)),
      );
    }
    return from(toEvents(envelope, result));
  });
}
