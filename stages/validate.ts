import { concat, concatMap, defer, finalize, of, type Observable } from 'rxjs';
import { z } from 'zod';
import { DCGM_FIELDS } from '../dcgm/fields.js';
import type { GpuReadingField, GpuSample } from '../dcgm/types.js';
import { tdpForModel } from '../dcgm/gpu-models.js';
import { deadLetter, defineStage, emit, release, type Envelope, type StageEvent } from '../pipeline/stage.js';

const params = z.object({
  gpu_temp_c: z.tuple([z.number(), z.number()]).default([-10, 125]).describe('Plausible GPU die temperature range, °C.'),
  memory_temp_c: z.tuple([z.number(), z.number()]).default([-10, 130]).describe('Plausible HBM temperature range, °C.'),
  power_over_tdp: z.number().positive().default(1.5).describe('Highest plausible power as a multiple of the model TDP (transients exceed TDP).'),
  max_clock_mhz: z.number().positive().default(4_000).describe('Highest plausible SM or memory clock, MHz.'),
  max_future_ms: z.number().int().nonnegative().default(300_000).describe('How far a sample may lie ahead of the newest event time seen, ms.'),
  max_past_ms: z.number().int().nonnegative().default(86_400_000).describe('How far a sample may lie behind the newest event time seen, ms.'),
});

export type ValidateParams = z.output<typeof params>;

/**
 * Counters that only go up, except when the GPU or driver resets (energy resets too): the catalogue's
 * counters, less those that legitimately fall — pages pending retirement are retired at the next reset,
 * and the PCIe byte counters are sampled rates in some DCGM versions.
 */
const MAY_FALL = new Set<GpuReadingField>(['retired_pages_pending', 'pcie_tx_kb', 'pcie_rx_kb']);
const COUNTERS: readonly GpuReadingField[] = DCGM_FIELDS.filter((f) => f.type === 'counter' && !MAY_FALL.has(f.field)).map((f) => f.field);

/** Volatile counters reset with the driver; aggregate (persistent) ones never do. */
const PERSISTENT = new Set<string>(['ecc_sbe_aggregate_total', 'ecc_dbe_aggregate_total', 'retired_pages_sbe', 'retired_pages_dbe']);

function inRange(name: string, value: number | null, [lo, hi]: readonly [number, number]): string | null {
  if (value === null) return null;
  if (!Number.isFinite(value) || value < lo || value > hi) return `${name} ${value} outside [${lo}, ${hi}]`;
  return null;
}

/** Checks one sample against physics and the GPU's previous sample; returns the first problem. */
export function checkSample(s: GpuSample, previous: GpuSample | undefined, newestTsMs: number, p: ValidateParams): string | null {
  if (!/^GPU-[0-9a-fA-F-]+$/.test(s.gpu_uuid) && !/^MIG-/.test(s.gpu_uuid)) return `gpu_uuid "${s.gpu_uuid}" is not a DCGM UUID`;
  if (s.ts_ms > newestTsMs + p.max_future_ms) return `ts_ms ${s.ts_ms} is ${s.ts_ms - newestTsMs} ms ahead of the stream`;
  if (s.ts_ms < newestTsMs - p.max_past_ms) return `ts_ms ${s.ts_ms} is ${newestTsMs - s.ts_ms} ms behind the stream`;
  if (previous && s.ts_ms === previous.ts_ms) return `duplicate sample for ${s.gpu_uuid} at ts_ms ${s.ts_ms}`;
  if (previous && s.ts_ms < previous.ts_ms) return `out-of-order sample: ts_ms ${s.ts_ms} before the previous ${previous.ts_ms}`;
  const tdp = tdpForModel(s.model_name);
  const problem =
    inRange('gpu_temp_c', s.gpu_temp_c, p.gpu_temp_c) ??
    inRange('memory_temp_c', s.memory_temp_c, p.memory_temp_c) ??
    inRange('power_w', s.power_w, [0, tdp === null ? Number.MAX_VALUE : tdp * p.power_over_tdp]) ??
    inRange('gpu_util_pct', s.gpu_util_pct, [0, 100]) ??
    inRange('mem_copy_util_pct', s.mem_copy_util_pct, [0, 100]) ??
    inRange('enc_util_pct', s.enc_util_pct, [0, 100]) ??
    inRange('dec_util_pct', s.dec_util_pct, [0, 100]) ??
    inRange('sm_clock_mhz', s.sm_clock_mhz, [0, p.max_clock_mhz]) ??
    inRange('mem_clock_mhz', s.mem_clock_mhz, [0, p.max_clock_mhz]) ??
    inRange('fb_used_mib', s.fb_used_mib, [0, Number.MAX_VALUE]) ??
    inRange('fb_free_mib', s.fb_free_mib, [0, Number.MAX_VALUE]);
  if (problem) return problem;
  for (const c of COUNTERS) {
    const v = s[c];
    if (v !== null && (!Number.isFinite(v) || v < 0)) return `${c} ${v} is not a counter value`;
  }
  if (!previous) return null;
  // A reset (reboot, driver reload) takes the energy counter down with the others.
  const reset = s.energy_mj !== null && previous.energy_mj !== null && s.energy_mj < previous.energy_mj;
  for (const c of COUNTERS) {
    const now = s[c];
    const before = previous[c];
    if (now === null || before === null || now >= before) continue;
    if (reset && !PERSISTENT.has(c)) continue;
    return `${c} went backwards from ${before} to ${now}${reset ? ' (a persistent counter, across a reset)' : ''}`;
  }
  return null;
}

/**
 * validate: schema and physical range checks per DCGM field. An invalid sample goes to the dead-letter
 * topic with the precise reason; a valid one goes on. The last valid sample of each GPU is kept (and
 * left uncommitted) to check the next one against, so a restart rebuilds the same state by replay.
 */
export const validate = defineStage({
  kind: 'validate',
  description: 'Range and consistency checks per DCGM field; invalid samples go to the dead-letter topic with the reason.',
  params,
  input: ['GpuSample'],
  output: 'GpuSample',
  holdsInputs: true, // the last valid sample of each GPU
  operator: (p, ctx) => (in$: Observable<Envelope<GpuSample>>): Observable<StageEvent<GpuSample>> => {
    const last = new Map<string, Envelope<GpuSample>>();
    const newest = new Map<number, number>(); // per partition: newest event time seen
    // A partition taken by a rebalance: its GPUs' state now lives with the new owner, which replays it.
    const revocations = ctx.revoked$.subscribe((partitions) => {
      for (const [gpu, e] of last) if (partitions.some((x) => x.topic === e.topic && x.partition === e.partition)) last.delete(gpu);
    });
    const checked$ = in$.pipe(
      concatMap((e): StageEvent<GpuSample>[] => {
        const s = e.value;
        const previous = last.get(s.gpu_uuid);
        const problem = checkSample(s, previous?.value, newest.get(e.partition) ?? s.ts_ms, p);
        if (problem) return [deadLetter(e, problem)];
        // Only an accepted sample moves the stream's clock: a rejected far-future one must not make
        // every later sample of its partition look late.
        newest.set(e.partition, Math.max(newest.get(e.partition) ?? s.ts_ms, s.ts_ms));
        last.set(s.gpu_uuid, e);
        const out: StageEvent<GpuSample>[] = [emit(s, s.gpu_uuid, s.ts_ms, [e], true)];
        if (previous) out.push(release([previous]));
        return out;
      }),
    );
    // At the end of a finite input nothing comes to compare with: the kept samples are released.
    const end$ = defer((): Observable<StageEvent<GpuSample>> => (last.size ? of(release([...last.values()])) : of()));
    return concat(checked$, end$).pipe(finalize(() => revocations.unsubscribe()));
  },
});
