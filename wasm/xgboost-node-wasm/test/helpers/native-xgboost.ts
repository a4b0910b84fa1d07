// Runs Debian's native XGBoost (python3-xgboost 1.7.4 under /usr/bin/python3) for parity checks.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../native/native_xgboost.py', import.meta.url));

/** Fails loudly (never skips) when native XGBoost is not installed. */
export function assertNativeXGBoost(): void {
  try {
    execFileSync(PYTHON, ['-c', 'import numpy, xgboost; print(xgboost.__version__)'], { encoding: 'utf8' });
  } catch (error) {
    throw new Error(
      'native XGBoost is not available to /usr/bin/python3; run wasm/scripts/ensure-native-xgboost.sh ' +
        `(installs Debian's python3-xgboost): ${(error as Error).message}`,
    );
  }
}

/** Runs one request, or several in one Python process. */
export function runNative(request: Record<string, unknown> | Array<Record<string, unknown>>): unknown {
  const stdout = execFileSync(PYTHON, [SCRIPT], { input: JSON.stringify(request), encoding: 'utf8' });
  return JSON.parse(stdout);
}

/** A scratch directory removed by the returned cleanup function. */
export function scratchDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'xgb-parity-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFloats(path: string, values: Float32Array): void {
  writeFileSync(path, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

export function readFloats(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export interface NativePrediction {
  /** A .json or .ubj model file: XGBoost picks the format from the extension. */
  model: string;
  outputMargin?: boolean;
}

/**
 * Native predictions on a row-major matrix, one Float32Array per requested prediction.
 * `before` requests (e.g. training) run first in the same Python process.
 */
export function nativePredict(
  dir: string,
  data: Float32Array,
  rows: number,
  cols: number,
  predictions: NativePrediction[],
  before: Array<Record<string, unknown>> = [],
): Float32Array[] {
  const dataPath = join(dir, 'predict-data.f32');
  writeFloats(dataPath, data);
  const outs = predictions.map((_, i) => join(dir, `predict-out-${i}.f32`));
  runNative([
    ...before,
    ...predictions.map((p, i) => ({
      op: 'predict',
      model: p.model,
      data: dataPath,
      rows,
      cols,
      out: outs[i],
      output_margin: p.outputMargin === true,
    })),
  ]);
  return outs.map(readFloats);
}
