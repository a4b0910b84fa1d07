// Explicit disposal frees native memory: 10,000 load → predict → free cycles leave the
// WebAssembly memory the size it had after the first few hundred.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Booster, DMatrix, wasmMemoryBytes } from 'xgboost-node-wasm';

import { makeDataset } from './helpers/data.js';

const CYCLES = 10_000;
const WARMUP_CYCLES = 200;

test(`${CYCLES} load/predict/free cycles do not grow native memory`, () => {
  const { data, rows, cols, labels } = makeDataset(5, 300, 8, 'regression');
  const dtrain = new DMatrix(data, { rows, cols, labels });
  const trained = Booster.train({ objective: 'reg:squarederror', maxDepth: 4, seed: 1 }, dtrain, { rounds: 20 });
  const model = trained.save('ubj');
  const batch = data.subarray(0, 32 * cols);
  trained.dispose();
  dtrain.dispose();

  let afterWarmup = 0;
  for (let cycle = 0; cycle < CYCLES; cycle += 1) {
    if (cycle === WARMUP_CYCLES) afterWarmup = wasmMemoryBytes();
    const booster = Booster.load(model);
    booster.predict(batch, { path: cycle % 2 === 0 ? 'fast' : 'reference' });
    booster.predictRow(batch.subarray(0, cols));
    booster.dispose();
  }
  assert.equal(wasmMemoryBytes(), afterWarmup, 'WebAssembly memory grew after warm-up');
});
