// A model moves between this package and Debian's native XGBoost 1.7.4 (python3-xgboost) in
// either direction, as JSON or UBJSON, and both sides predict the same float32 bits.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Booster, DMatrix, type TrainParams } from 'xgboost-node-wasm';

import { type Task, bitDifferences, makeDataset } from './helpers/data.js';
import { assertNativeXGBoost, nativePredict, scratchDir, writeFloats } from './helpers/native-xgboost.js';

const ROWS = 1500;
const COLS = 10;
const ROUNDS = 25;
const FORMATS = ['json', 'ubj'] as const;

const CASES: ReadonlyArray<{ task: Task; params: TrainParams }> = [
  { task: 'regression', params: { objective: 'reg:squarederror', maxDepth: 6, eta: 0.3 } },
  { task: 'binary', params: { objective: 'binary:logistic', maxDepth: 5, eta: 0.2, subsample: 0.8 } },
  { task: 'multiclass', params: { objective: 'multi:softprob', numClass: 3, maxDepth: 4, eta: 0.3 } },
  { task: 'multiclass', params: { objective: 'multi:softmax', numClass: 3, maxDepth: 4, eta: 0.3 } },
  { task: 'count', params: { objective: 'count:poisson', maxDepth: 4, eta: 0.1 } },
];

/** XGBoost's snake_case names for the native side. */
function nativeParams(params: TrainParams): Record<string, string | number> {
  const out: Record<string, string | number> = { seed: 7, nthread: 1 };
  if (params.objective) out.objective = params.objective;
  if (params.maxDepth !== undefined) out.max_depth = params.maxDepth;
  if (params.eta !== undefined) out.eta = params.eta;
  if (params.subsample !== undefined) out.subsample = params.subsample;
  if (params.numClass !== undefined) out.num_class = params.numClass;
  return out;
}

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const differing = bitDifferences(actual, expected);
  assert.equal(
    differing.length,
    0,
    `${what}: ${differing.length} of ${expected.length} values differ, first at ${differing[0]}: ` +
      `${actual[differing[0]]} vs ${expected[differing[0]]}`,
  );
}

let scratch: { dir: string; cleanup: () => void };
before(() => {
  assertNativeXGBoost();
  scratch = scratchDir();
});
after(() => scratch?.cleanup());

describe('a model trained in wasm predicts the same bits in native XGBoost', () => {
  for (const [index, { task, params }] of CASES.entries()) {
    test(`${params.objective}: JSON and UBJSON, values and margins`, () => {
      const { data, rows, cols, labels } = makeDataset(100 + index, ROWS, COLS, task);
      const dtrain = new DMatrix(data, { rows, cols, labels });
      const booster = Booster.train({ ...params, seed: 7 }, dtrain, { rounds: ROUNDS });
      try {
        const requests = FORMATS.flatMap((format) => {
          const model = join(scratch.dir, `wasm-${index}.${format}`);
          writeFileSync(model, booster.save(format));
          return [false, true].map((outputMargin) => ({ format, model, outputMargin }));
        });
        const expected = nativePredict(scratch.dir, data, rows, cols, requests);
        requests.forEach(({ format, outputMargin }, i) => {
          const what = `${params.objective} ${format}${outputMargin ? ' margin' : ''}`;
          assertSameBits(booster.predict(data, { outputMargin, path: 'reference' }), expected[i], `${what} reference path`);
          assertSameBits(booster.predict(data, { outputMargin, path: 'fast' }), expected[i], `${what} fast path`);
        });
      } finally {
        booster.dispose();
        dtrain.dispose();
      }
    });
  }
});

describe('a model trained by native XGBoost predicts the same bits in wasm', () => {
  for (const [index, { task, params }] of CASES.entries()) {
    test(`${params.objective}: JSON and UBJSON`, () => {
      const { data, rows, cols, labels } = makeDataset(200 + index, ROWS, COLS, task);
      const dataPath = join(scratch.dir, `native-${index}.f32`);
      const labelsPath = join(scratch.dir, `native-${index}-labels.f32`);
      writeFloats(dataPath, data);
      writeFloats(labelsPath, labels);
      const modelOut = Object.fromEntries(FORMATS.map((f) => [f, join(scratch.dir, `native-${index}.${f}`)]));
      const train = {
        op: 'train',
        data: dataPath,
        rows,
        cols,
        labels: labelsPath,
        params: nativeParams(params),
        rounds: ROUNDS,
        model_out: modelOut,
      };
      const [expected] = nativePredict(scratch.dir, data, rows, cols, [{ model: modelOut.json }], [train]);
      for (const format of FORMATS) {
        const booster = Booster.load(readModel(modelOut[format]));
        try {
          assertSameBits(booster.predict(data, { path: 'reference' }), expected, `${params.objective} ${format} reference path`);
          assertSameBits(booster.predict(data, { path: 'fast' }), expected, `${params.objective} ${format} fast path`);
          const row = data.subarray(0, cols);
          assertSameBits(booster.predictRow(row), expected.subarray(0, expected.length / rows), `${params.objective} single row`);
        } finally {
          booster.dispose();
        }
      }
    });
  }
});

describe('training in wasm matches native training', () => {
  test('same data and parameters give the same model predictions (nthread = 1)', () => {
    const { data, rows, cols, labels } = makeDataset(300, ROWS, COLS, 'binary');
    const params: TrainParams = { objective: 'binary:logistic', maxDepth: 5, eta: 0.3 };
    const dataPath = join(scratch.dir, 'train-parity.f32');
    const labelsPath = join(scratch.dir, 'train-parity-labels.f32');
    writeFloats(dataPath, data);
    writeFloats(labelsPath, labels);
    const nativeModel = join(scratch.dir, 'train-parity.json');
    const train = { op: 'train', data: dataPath, rows, cols, labels: labelsPath, params: nativeParams(params), rounds: ROUNDS, model_out: { json: nativeModel } };
    const [expected] = nativePredict(scratch.dir, data, rows, cols, [{ model: nativeModel }], [train]);
    const dtrain = new DMatrix(data, { rows, cols, labels });
    const booster = Booster.train({ ...params, seed: 7 }, dtrain, { rounds: ROUNDS });
    try {
      assertSameBits(booster.predict(data), expected, 'wasm-trained vs native-trained predictions');
    } finally {
      booster.dispose();
      dtrain.dispose();
    }
  });
});

function readModel(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
