// The fast prediction path gives exactly XGBoost's own predictor's float32 bits on random
// models and data: missing values, values equal to split conditions, shallow and deep trees,
// every objective with a fast path; models without one fall back to XGBoost's predictor.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Booster, DMatrix, FAST_OBJECTIVES, MAX_FAST_DEPTH, type TrainParams } from 'xgboost-node-wasm';

import { bitDifferences, makeDataset, seededRandom } from './helpers/data.js';

const COLS = 9;

interface RandomTree {
  left_children: number[];
  right_children: number[];
  parents: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: number[];
}

/** Values the data and the split conditions share, so that `value == split` happens often. */
const GRID = [-2, -1.5, -1, -0.5, -0.25, 0, 0.25, 0.5, 1, 1.5, 2];

function randomTree(random: () => number, maxDepth: number, splitChance: number): RandomTree {
  const tree: RandomTree = {
    left_children: [],
    right_children: [],
    parents: [],
    split_indices: [],
    split_conditions: [],
    default_left: [],
  };
  const alloc = (parent: number): number => {
    tree.left_children.push(-1);
    tree.right_children.push(-1);
    tree.parents.push(parent);
    tree.default_left.push(random() < 0.5 ? 1 : 0);
    tree.split_indices.push(0);
    tree.split_conditions.push(0);
    return tree.left_children.length - 1;
  };
  // Children are allocated in pairs, as XGBoost does: its predictor takes right = left + 1.
  const grow = (nid: number, depth: number): void => {
    const split = depth < maxDepth && (depth === 0 || random() < splitChance);
    if (!split) {
      // Leaf values of very different magnitudes make the float32 sum order matter.
      const scale = [1e-3, 0.1, 1, 30][Math.floor(random() * 4)];
      tree.split_conditions[nid] = Math.fround((random() * 2 - 1) * scale);
      return;
    }
    tree.split_indices[nid] = Math.floor(random() * COLS);
    const onGrid = random() < 0.5;
    tree.split_conditions[nid] = Math.fround(onGrid ? GRID[Math.floor(random() * GRID.length)] : random() * 4 - 2);
    const left = alloc(nid);
    const right = alloc(nid);
    tree.left_children[nid] = left;
    tree.right_children[nid] = right;
    grow(left, depth + 1);
    grow(right, depth + 1);
  };
  grow(alloc(2147483647), 0);
  return tree;
}

/** XGBoost 1.7 JSON for one tree (statistics fields are not used by prediction). */
function treeJson(tree: RandomTree, id: number): Record<string, unknown> {
  const n = tree.left_children.length;
  return {
    base_weights: tree.split_conditions,
    categories: [],
    categories_nodes: [],
    categories_segments: [],
    categories_sizes: [],
    default_left: tree.default_left,
    id,
    left_children: tree.left_children,
    loss_changes: new Array(n).fill(0),
    parents: tree.parents,
    right_children: tree.right_children,
    split_conditions: tree.split_conditions,
    split_indices: tree.split_indices,
    split_type: new Array(n).fill(0),
    sum_hessian: new Array(n).fill(1),
    tree_param: { num_deleted: '0', num_feature: String(COLS), num_nodes: String(n), size_leaf_vector: '0' },
  };
}

/** A model of XGBoost's own making for `params`, its trees then replaced by random ones. */
function randomModel(
  seed: number,
  params: TrainParams,
  trees: number,
  maxDepth: number,
  baseScore: number,
  splitChance?: number,
  edit?: (model: { trees: Array<Record<string, unknown>> }) => void,
): Booster {
  const random = seededRandom(seed);
  const task = params.objective?.startsWith('multi') ? 'multiclass' : params.objective === 'count:poisson' ? 'count' : 'binary';
  const { data, rows, cols, labels } = makeDataset(seed, 60, COLS, task);
  const dtrain = new DMatrix(data, { rows, cols, labels });
  const template = Booster.train({ ...params, maxDepth: 2, baseScore }, dtrain, { rounds: 1 });
  const json = JSON.parse(new TextDecoder().decode(template.save('json')));
  template.dispose();
  dtrain.dispose();
  const groups = params.numClass ?? 1;
  const model = json.learner.gradient_booster.model;
  const chance = splitChance ?? 0.3 + random() * 0.7;
  model.trees = Array.from({ length: trees }, (_, id) => treeJson(randomTree(random, maxDepth, chance), id));
  model.tree_info = Array.from({ length: trees }, (_, id) => id % groups);
  model.gbtree_model_param.num_trees = String(trees);
  edit?.(model);
  return Booster.load(floatsAsFloats(JSON.stringify(json)));
}

/** XGBoost's JSON reader wants float fields written as floats: 1 → 1.0. */
function floatsAsFloats(text: string): string {
  return text.replace(/"(split_conditions|base_weights|loss_changes|sum_hessian)":\[([^\]]*)\]/g, (_, key: string, list: string) => {
    const values = list === '' ? [] : list.split(',').map((v) => (/[.eE]/.test(v) ? v : `${v}.0`));
    return `"${key}":[${values.join(',')}]`;
  });
}

/** Rows mixing grid values, random values, NaN, ±0, ±infinity and large magnitudes. */
function randomRows(seed: number, rows: number, missingShare: number): Float32Array {
  const random = seededRandom(seed);
  const data = new Float32Array(rows * COLS);
  for (let i = 0; i < data.length; i += 1) {
    const u = random();
    if (u < missingShare) data[i] = NaN;
    else if (u < missingShare + 0.3) data[i] = GRID[Math.floor(random() * GRID.length)];
    else if (u < missingShare + 0.32) data[i] = random() < 0.5 ? -0 : 0;
    else if (u < missingShare + 0.34) data[i] = (random() - 0.5) * 1e30;
    else if (u < missingShare + 0.35) data[i] = random() < 0.5 ? -Infinity : Infinity;
    else data[i] = random() * 5 - 2.5;
  }
  return data;
}

function assertFastEqualsReference(booster: Booster, data: Float32Array, rows: number, what: string): void {
  for (const outputMargin of [false, true]) {
    const reference = booster.predict(data, { rows, outputMargin, path: 'reference' });
    const fast = booster.predict(data, { rows, outputMargin, path: 'fast' });
    const differing = bitDifferences(fast, reference);
    assert.equal(
      differing.length,
      0,
      `${what}${outputMargin ? ' margin' : ''}: ${differing.length} of ${reference.length} differ, first ${fast[differing[0]]} vs ${reference[differing[0]]}`,
    );
    const perRow = reference.length / rows;
    for (const r of [0, rows - 1]) {
      const single = booster.predictRow(data.subarray(r * COLS, (r + 1) * COLS), { outputMargin, path: 'fast' });
      assert.deepEqual(bitDifferences(single, reference.subarray(r * perRow, (r + 1) * perRow)), [], `${what} single row ${r}`);
    }
  }
}

const OBJECTIVE_PARAMS: readonly TrainParams[] = FAST_OBJECTIVES.map((objective) =>
  objective.startsWith('multi') ? { objective, numClass: 4 } : { objective },
);

describe('random trees', () => {
  for (const [index, params] of OBJECTIVE_PARAMS.entries()) {
    test(`${params.objective}: random shapes up to depth ${MAX_FAST_DEPTH}, random data with missing values`, () => {
      for (let variant = 0; variant < 4; variant += 1) {
        const seed = 1000 * (index + 1) + variant;
        const maxDepth = [1, 4, 8, MAX_FAST_DEPTH][variant];
        const baseScore = params.objective === 'count:poisson' ? 1.7 : [0.5, 0.3, 0.91, 0.05][variant];
        const booster = randomModel(seed, params, 5 + variant * 20, maxDepth, baseScore);
        try {
          assert.deepEqual(booster.fastPath, { available: true });
          // Row counts around the 4-row interleave and the 64-row block.
          for (const [rows, missingShare] of [[1, 0], [3, 0.5], [67, 0.2], [203, 0], [130, 1]] as const) {
            const data = randomRows(seed * 7 + rows, rows, missingShare);
            assertFastEqualsReference(booster, data, rows, `${params.objective} depth ${maxDepth} rows ${rows}`);
          }
        } finally {
          booster.dispose();
        }
      }
    });
  }
});

describe('trained models', () => {
  const random = seededRandom(77);
  const variants: TrainParams[] = [
    { objective: 'reg:squarederror', maxDepth: 10, eta: 0.5, treeMethod: 'exact' },
    { objective: 'binary:logistic', maxDepth: 3, eta: 0.1, subsample: 0.7, colsampleBytree: 0.6, treeMethod: 'approx' },
    { objective: 'multi:softprob', numClass: 5, maxDepth: 6, eta: 0.3, treeMethod: 'hist' },
    { objective: 'reg:squarederror', treeMethod: 'hist', extra: { grow_policy: 'lossguide', max_leaves: 24, max_depth: 0 } },
    { objective: 'binary:logistic', maxDepth: 4, extra: { num_parallel_tree: 3 } },
  ];
  for (const [index, params] of variants.entries()) {
    test(`${params.objective} (${params.treeMethod ?? 'auto'}${params.extra ? ', ' + JSON.stringify(params.extra) : ''})`, () => {
      const task = params.objective?.startsWith('multi') ? 'multiclass' : params.objective === 'binary:logistic' ? 'binary' : 'regression';
      const { data, rows, cols, labels } = makeDataset(500 + index, 600, COLS, task, { missingShare: random() * 0.3, classes: params.numClass ?? 3 });
      const dtrain = new DMatrix(data, { rows, cols, labels });
      const booster = Booster.train({ ...params, seed: index }, dtrain, { rounds: 15 });
      dtrain.dispose();
      try {
        if (!booster.fastPath.available) {
          // Only trees deeper than the fast layout allows may fall back.
          assert.match(booster.fastPath.reason, /depth/);
          return;
        }
        assertFastEqualsReference(booster, data, rows, `trained ${params.objective}`);
        assertFastEqualsReference(booster, randomRows(index, 99, 0.25), 99, `trained ${params.objective} on new rows`);
      } finally {
        booster.dispose();
      }
    });
  }
});

describe('models without a fast path', () => {
  test('trees deeper than the fast layout use XGBoost predictor under "auto" and refuse "fast"', () => {
    const booster = randomModel(9, { objective: 'reg:squarederror' }, 2, MAX_FAST_DEPTH + 1, 0.5, 1);
    try {
      assert.equal(booster.fastPath.available, false);
      assert.match(booster.fastPath.available ? '' : booster.fastPath.reason, /depth/);
      const data = randomRows(1, 10, 0.1);
      assert.deepEqual(bitDifferences(booster.predict(data), booster.predict(data, { path: 'reference' })), []);
      assert.throws(() => booster.predict(data, { path: 'fast' }), /fast path unavailable/);
    } finally {
      booster.dispose();
    }
  });

  test('a categorical split sends the model to XGBoost predictor', () => {
    // The root of the first tree becomes "feature 0 in {1, 3}" (XGBoost 1.7 JSON layout).
    const booster = randomModel(11, { objective: 'binary:logistic' }, 4, 3, 0.5, 1, (model) => {
      const tree = model.trees[0];
      (tree.split_type as number[])[0] = 1;
      (tree.split_indices as number[])[0] = 0;
      tree.categories = [1, 3];
      tree.categories_nodes = [0];
      tree.categories_segments = [0];
      tree.categories_sizes = [2];
    });
    try {
      assert.equal(booster.fastPath.available, false);
      assert.match(booster.fastPath.available ? '' : booster.fastPath.reason, /categorical/);
      const data = randomRows(2, 50, 0.1).map((v, i) => (i % COLS === 0 && !Number.isNaN(v) ? Math.abs(Math.round(v)) : v));
      assert.deepEqual(bitDifferences(booster.predict(data), booster.predict(data, { path: 'reference' })), []);
    } finally {
      booster.dispose();
    }
  });

  test('a dart booster is predicted by XGBoost predictor', () => {
    const { data, rows, cols, labels } = makeDataset(3, 300, COLS, 'regression');
    const dtrain = new DMatrix(data, { rows, cols, labels });
    const booster = Booster.train({ objective: 'reg:squarederror', extra: { booster: 'dart', rate_drop: 0.1 } }, dtrain, { rounds: 5 });
    dtrain.dispose();
    try {
      assert.equal(booster.fastPath.available, false);
      assert.deepEqual(bitDifferences(booster.predict(data), booster.predict(data, { path: 'reference' })), []);
    } finally {
      booster.dispose();
    }
  });
});
