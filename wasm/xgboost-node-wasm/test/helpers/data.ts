// Deterministic test data: a seeded generator, dense matrices with missing values, labels.

/** mulberry32: small, fast, and the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Dataset {
  data: Float32Array;
  rows: number;
  cols: number;
  labels: Float32Array;
}

export type Task = 'regression' | 'binary' | 'multiclass' | 'count';

/**
 * rows × cols features in [-2, 2) with a share of NaN (missing), some values repeated on a
 * grid so that ties with split conditions happen, and labels that depend on a few features.
 */
export function makeDataset(
  seed: number,
  rows: number,
  cols: number,
  task: Task,
  options: { missingShare?: number; classes?: number } = {},
): Dataset {
  const random = seededRandom(seed);
  const missingShare = options.missingShare ?? 0.1;
  const classes = options.classes ?? 3;
  const data = new Float32Array(rows * cols);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < cols; c += 1) {
      const u = random();
      let value = random() * 4 - 2;
      if (c % 3 === 2) value = Math.round(value * 4) / 4; // a grid feature: many exact ties
      data[r * cols + c] = u < missingShare ? NaN : value;
    }
    const x = (c: number) => (Number.isNaN(data[r * cols + c]) ? 0 : data[r * cols + c]);
    const signal = x(0) * 1.5 - x(1) + Math.sin(3 * x(2)) + 0.5 * x(3 % cols) * x(4 % cols) + (random() - 0.5) * 0.3;
    switch (task) {
      case 'regression':
        labels[r] = signal;
        break;
      case 'binary':
        labels[r] = signal > 0 ? 1 : 0;
        break;
      case 'multiclass':
        labels[r] = Math.min(classes - 1, Math.max(0, Math.floor((signal + 2.5) / (5 / classes))));
        break;
      case 'count':
        labels[r] = Math.max(0, Math.round(Math.exp(signal / 2)));
        break;
    }
  }
  return { data, rows, cols, labels };
}

/** Indices where two float arrays differ bit for bit. */
export function bitDifferences(a: Float32Array, b: Float32Array): number[] {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const differing: number[] = [];
  for (let i = 0; i < ua.length; i += 1) if (ua[i] !== ub[i]) differing.push(i);
  return differing;
}
