// Benchmark: xgboost-node-wasm's fast path and reference path against Debian's native XGBoost
// 1.7.4 (python3-xgboost, one thread), interleaved in one run; medians and ratios.
//
//   npm run bench:xgboost                  (needs wasm/scripts/ensure-native-xgboost.sh first)
//   BENCH_ROUNDS=9 npm run bench:xgboost   (more interleaved repetitions)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { Booster, DMatrix } from 'xgboost-node-wasm';

/** Sizes of the benchmark, with their units. */
const SETTINGS = Object.freeze({
  rows: 100_000, // rows predicted per batch
  cols: 27, // features
  missingShare: 0.05, // share of NaN cells
  trees: 200, // boosting rounds of the model
  depth: 6, // max_depth of the model
  batchRepeats: Number(process.env.BENCH_ROUNDS ?? 7), // interleaved batch repetitions
  singleRowCalls: 20_000, // single-row calls per wasm measurement
  nativeSingleRowCalls: 2_000, // single-row calls per native measurement (slower)
  singleRowRepeats: 5,
  trainRows: 20_000, // rows for the training comparison
  trainRounds: 100, // rounds for the training comparison
  trainRepeats: 3,
});

const PYTHON = '/usr/bin/python3';
const NATIVE_SCRIPT = fileURLToPath(new URL('./native_bench.py', import.meta.url));

function log(message: string): void {
  process.stdout.write(`[bench:xgboost] ${message}\n`);
}

/** mulberry32, so that every run benchmarks the same data. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeData(rows: number, cols: number): { data: Float32Array; labels: Float32Array } {
  const random = seededRandom(42);
  const data = new Float32Array(rows * cols);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r += 1) {
    let signal = 0;
    for (let c = 0; c < cols; c += 1) {
      const value = random() * 4 - 2;
      data[r * cols + c] = random() < SETTINGS.missingShare ? NaN : value;
      if (c < 6) signal += Math.sin(value * (c + 1)) / (c + 1);
    }
    labels[r] = signal + (data[r * cols] > 0 ? 1 : 0) + (random() - 0.5) * 0.2 > 0.6 ? 1 : 0;
  }
  return { data, labels };
}

/** The long-lived native process; one request at a time. */
class Native {
  readonly #child = spawn(PYTHON, [NATIVE_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  readonly #lines = createInterface({ input: this.#child.stdout! })[Symbol.asyncIterator]();

  async request(request: Record<string, unknown>): Promise<Record<string, number>> {
    this.#child.stdin!.write(JSON.stringify(request) + '\n');
    const { value, done } = await this.#lines.next();
    if (done) throw new Error('native benchmark process ended; is python3-xgboost installed?');
    const answer = JSON.parse(value as string) as Record<string, number> & { error?: string };
    if (answer.error) throw new Error(`native: ${answer.error}`);
    return answer;
  }

  close(): void {
    this.#child.stdin!.end();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function time(body: () => void): number {
  const started = performance.now();
  body();
  return performance.now() - started;
}

function sameBits(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let differing = 0;
  for (let i = 0; i < ua.length; i += 1) if (ua[i] !== ub[i]) differing += 1;
  return differing + Math.abs(a.length - b.length);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-xgboost-'));
  const native = new Native();
  try {
    const { rows, cols } = SETTINGS;
    log(`data: ${rows} rows × ${cols} features, ${SETTINGS.missingShare * 100}% missing`);
    const { data, labels } = makeData(rows, cols);
    const dataPath = join(dir, 'data.f32');
    const labelsPath = join(dir, 'labels.f32');
    writeFileSync(dataPath, new Uint8Array(data.buffer));
    writeFileSync(labelsPath, new Uint8Array(labels.buffer));
    await native.request({ op: 'data', path: dataPath, rows, cols, labels: labelsPath });

    log(`model: ${SETTINGS.trees} trees, depth ${SETTINGS.depth}, binary:logistic (trained natively, not timed)`);
    const modelPath = join(dir, 'model.json');
    await native.request({
      op: 'train_model',
      params: { objective: 'binary:logistic', max_depth: SETTINGS.depth, eta: 0.1, tree_method: 'hist', nthread: 2, seed: 1 },
      rounds: SETTINGS.trees,
      out: modelPath,
    });
    await native.request({ op: 'load', model: modelPath });
    const booster = Booster.load(new Uint8Array(readFileSync(modelPath)));
    if (!booster.fastPath.available) throw new Error(`no fast path: ${booster.fastPath.reason}`);

    // Same bits on all 100k rows before any timing.
    const nativeOut = join(dir, 'native-predictions.f32');
    await native.request({ op: 'predict_batch', out: nativeOut });
    const expected = new Float32Array(new Uint8Array(readFileSync(nativeOut)).buffer);
    const fastDiff = sameBits(booster.predict(data, { path: 'fast' }), expected);
    const referenceDiff = sameBits(booster.predict(data, { path: 'reference' }), expected);
    log(`bit-identical to native on ${rows} rows: fast path ${fastDiff === 0 ? 'yes' : `NO (${fastDiff} differ)`}, ` +
      `reference path ${referenceDiff === 0 ? 'yes' : `NO (${referenceDiff} differ)`}`);

    const batch = { fast: [] as number[], reference: [] as number[], native: [] as number[] };
    for (let repeat = 0; repeat < SETTINGS.batchRepeats; repeat += 1) {
      batch.fast.push(time(() => booster.predict(data, { path: 'fast' })));
      batch.reference.push(time(() => booster.predict(data, { path: 'reference' })));
      batch.native.push((await native.request({ op: 'predict_batch' })).ms);
      log(`batch ${repeat + 1}/${SETTINGS.batchRepeats}: fast ${batch.fast.at(-1)!.toFixed(1)} ms, ` +
        `reference ${batch.reference.at(-1)!.toFixed(1)} ms, native ${batch.native.at(-1)!.toFixed(1)} ms`);
    }

    const single = { fast: [] as number[], reference: [] as number[], native: [] as number[], nativeCApi: [] as number[] };
    const rowAt = (i: number) => data.subarray((i % rows) * cols, (i % rows + 1) * cols);
    for (let repeat = 0; repeat < SETTINGS.singleRowRepeats; repeat += 1) {
      const calls = SETTINGS.singleRowCalls;
      single.fast.push((time(() => { for (let i = 0; i < calls; i += 1) booster.predictRow(rowAt(i)); }) / calls) * 1e3);
      const refCalls = SETTINGS.nativeSingleRowCalls;
      single.reference.push(
        (time(() => { for (let i = 0; i < refCalls; i += 1) booster.predictRow(rowAt(i), { path: 'reference' }); }) / refCalls) * 1e3,
      );
      single.native.push((await native.request({ op: 'predict_row', calls: refCalls })).us_per_call);
      single.nativeCApi.push((await native.request({ op: 'predict_row_capi', calls: refCalls })).us_per_call);
      log(`single row ${repeat + 1}/${SETTINGS.singleRowRepeats}: fast ${single.fast.at(-1)!.toFixed(2)} µs, ` +
        `reference ${single.reference.at(-1)!.toFixed(2)} µs, native ${single.native.at(-1)!.toFixed(2)} µs ` +
        `(C API ${single.nativeCApi.at(-1)!.toFixed(2)} µs)`);
    }
    booster.dispose();

    const train = { wasm: [] as number[], native: [] as number[] };
    const trainParams = { objective: 'binary:logistic', max_depth: SETTINGS.depth, eta: 0.1, tree_method: 'hist', nthread: 1, seed: 1 };
    const trainData = data.subarray(0, SETTINGS.trainRows * cols);
    const trainLabels = labels.subarray(0, SETTINGS.trainRows);
    for (let repeat = 0; repeat < SETTINGS.trainRepeats; repeat += 1) {
      train.wasm.push(
        time(() => {
          const dtrain = new DMatrix(trainData, { rows: SETTINGS.trainRows, cols, labels: trainLabels });
          Booster.train({ objective: 'binary:logistic', maxDepth: SETTINGS.depth, eta: 0.1, treeMethod: 'hist', seed: 1 }, dtrain, {
            rounds: SETTINGS.trainRounds,
          }).dispose();
          dtrain.dispose();
        }),
      );
      train.native.push((await native.request({ op: 'train', rows: SETTINGS.trainRows, params: trainParams, rounds: SETTINGS.trainRounds })).ms);
      log(`training ${repeat + 1}/${SETTINGS.trainRepeats}: wasm ${train.wasm.at(-1)!.toFixed(0)} ms, native ${train.native.at(-1)!.toFixed(0)} ms`);
    }

    const rowsPerSecond = (ms: number) => Math.round(rows / (ms / 1e3));
    const fast = median(batch.fast);
    const reference = median(batch.reference);
    const nativeMs = median(batch.native);
    const trainWasm = median(train.wasm);
    const trainNative = median(train.native);
    log('results (medians):');
    console.table({
      'batch predict, 100k rows (ms)': { 'wasm fast': fast, 'wasm reference': reference, native: nativeMs },
      'batch rows/s': { 'wasm fast': rowsPerSecond(fast), 'wasm reference': rowsPerSecond(reference), native: rowsPerSecond(nativeMs) },
      'batch speed vs native (×)': { 'wasm fast': nativeMs / fast, 'wasm reference': nativeMs / reference, native: 1 },
      'single row (µs/call)': { 'wasm fast': median(single.fast), 'wasm reference': median(single.reference), native: median(single.native) },
    });
    log(`native single row through the C API directly (ctypes): ${median(single.nativeCApi).toFixed(2)} µs/call`);
    log(`training ${SETTINGS.trainRounds} rounds × ${SETTINGS.trainRows} rows, hist, one thread: ` +
      `wasm ${trainWasm.toFixed(0)} ms, native ${trainNative.toFixed(0)} ms (wasm at ${(trainNative / trainWasm).toFixed(2)}× native speed)`);
    log(`fast path ${(nativeMs / fast).toFixed(2)}× native, reference path ${(nativeMs / reference).toFixed(2)}× native; ` +
      `single row ${median(single.fast).toFixed(2)} µs (fast), ${median(single.reference).toFixed(2)} µs (reference)`);
  } finally {
    native.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:xgboost] ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
