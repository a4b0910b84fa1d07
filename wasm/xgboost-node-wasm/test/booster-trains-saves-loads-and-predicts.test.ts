// What a user of the package sees: training with progress and metrics, model round trips,
// single-row and batch predictions, feature importance, XGBoost's errors as JS errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Booster, DMatrix, XGBoostError, type RoundProgress } from 'xgboost-node-wasm';

import { bitDifferences, makeDataset } from './helpers/data.js';

const { data, rows, cols, labels } = makeDataset(1, 800, 6, 'binary');

function trainSmall(rounds = 10, onRound?: (p: RoundProgress) => boolean | void): Booster {
  const dtrain = new DMatrix(data, { rows, cols, labels });
  try {
    return Booster.train({ objective: 'binary:logistic', maxDepth: 4, eta: 0.3, seed: 3, evalMetric: ['logloss', 'auc'] }, dtrain, {
      rounds,
      evals: [{ name: 'train', data: dtrain }],
      onRound,
    });
  } finally {
    dtrain.dispose();
  }
}

describe('training', () => {
  test('reports every round with its evaluation metrics, and the loss falls', () => {
    const seen: RoundProgress[] = [];
    const booster = trainSmall(10, (progress) => {
      seen.push(progress);
    });
    try {
      assert.deepEqual(seen.map((p) => p.round), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.ok(seen.every((p) => p.rounds === 10));
      assert.deepEqual(Object.keys(seen[0].metrics).sort(), ['train-auc', 'train-logloss']);
      assert.ok(seen[9].metrics['train-logloss'] < seen[0].metrics['train-logloss']);
      assert.equal(booster.boostedRounds, 10);
      assert.equal(booster.numFeatures, cols);
    } finally {
      booster.dispose();
    }
  });

  test('stops early when the progress callback returns false', () => {
    const booster = trainSmall(10, (progress) => progress.round < 3);
    try {
      assert.equal(booster.boostedRounds, 4);
    } finally {
      booster.dispose();
    }
  });
});

describe('models', () => {
  test('survive a JSON and a UBJSON round trip with identical predictions', () => {
    const booster = trainSmall();
    try {
      const expected = booster.predict(data);
      for (const format of ['json', 'ubj'] as const) {
        const bytes = booster.save(format);
        if (format === 'json') assert.equal(JSON.parse(new TextDecoder().decode(bytes)).version.join('.'), '1.7.4');
        const loaded = Booster.load(bytes);
        try {
          assert.deepEqual(bitDifferences(loaded.predict(data), expected), []);
        } finally {
          loaded.dispose();
        }
      }
    } finally {
      booster.dispose();
    }
  });

  test('predict one row exactly as in a batch', () => {
    const booster = trainSmall();
    try {
      const batch = booster.predict(data);
      for (const r of [0, 1, 17, rows - 1]) {
        const row = data.subarray(r * cols, (r + 1) * cols);
        assert.equal(booster.predictRow(row)[0], batch[r]);
        assert.equal(booster.predictRow(Array.from(row), { path: 'reference' })[0], batch[r]);
      }
    } finally {
      booster.dispose();
    }
  });

  test('report feature importance by gain and by split count', () => {
    const booster = trainSmall();
    try {
      const weight = booster.featureImportance('weight');
      const gain = booster.featureImportance('gain');
      assert.ok(Object.keys(weight).length > 0);
      for (const name of Object.keys(weight)) assert.match(name, /^f\d+$/);
      // Feature 0 and 1 carry most of the signal in the generated labels.
      const byGain = Object.entries(gain).sort((a, b) => b[1] - a[1]).map(([name]) => name);
      assert.ok(byGain.slice(0, 3).includes('f0'), `f0 among the top features by gain: ${byGain}`);
      assert.ok(Object.values(weight).every((w) => Number.isInteger(w) && w > 0));
    } finally {
      booster.dispose();
    }
  });
});

describe('errors', () => {
  test("XGBoost's own message arrives as an XGBoostError", () => {
    const dtrain = new DMatrix(data, { rows, cols, labels });
    try {
      assert.throws(
        () => Booster.train({ objective: 'reg:no-such-objective' }, dtrain, { rounds: 1 }),
        (error: unknown) => error instanceof XGBoostError && /Unknown objective function/.test(error.message),
      );
    } finally {
      dtrain.dispose();
    }
  });

  test('a corrupt model buffer is an XGBoostError, not a crash', () => {
    assert.throws(() => Booster.load(new TextEncoder().encode('{"learner": 42}')), XGBoostError);
    // The module still works afterwards.
    const booster = trainSmall(2);
    booster.dispose();
  });

  test('a matrix of the wrong width is refused with XGBoost-like wording', () => {
    const booster = trainSmall(2);
    try {
      assert.throws(() => booster.predict(new Float32Array(cols + 1), { rows: 1 }), RangeError);
      assert.throws(() => booster.predictRow(new Float32Array(cols - 1)), RangeError);
    } finally {
      booster.dispose();
    }
  });

  test('a disposed booster cannot be used', () => {
    const booster = trainSmall(1);
    booster.dispose();
    booster.dispose();
    assert.throws(() => booster.predict(data), /disposed/);
  });
});
