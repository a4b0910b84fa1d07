// Loads the WebAssembly module once (top-level await) and gives typed access to its exports.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The C functions of wasm/src/*.c, as emscripten exports them. Pointers are byte offsets. */
export interface NativeExports {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _xgbw_last_error(): number;
  _xgbw_out_len(): number;
  _xgbw_out_dims(): number;
  _xgbw_set_global_config(json: number): number;
  _xgbw_dmatrix_create_dense(data: number, rows: number, cols: number, missing: number, out: number): number;
  _xgbw_dmatrix_set_float_info(handle: number, field: number, values: number, len: number): number;
  _xgbw_dmatrix_num_row(handle: number, out: number): number;
  _xgbw_dmatrix_num_col(handle: number, out: number): number;
  _xgbw_dmatrix_free(handle: number): number;
  _xgbw_booster_create(mats: number, n: number, out: number): number;
  _xgbw_booster_free(handle: number): number;
  _xgbw_booster_set_param(handle: number, name: number, value: number): number;
  _xgbw_booster_update(handle: number, iteration: number, dtrain: number): number;
  _xgbw_booster_eval(handle: number, iteration: number, mats: number, names: number, n: number, out: number): number;
  _xgbw_booster_boosted_rounds(handle: number, out: number): number;
  _xgbw_booster_num_feature(handle: number, out: number): number;
  _xgbw_booster_save(handle: number, config: number, out: number): number;
  _xgbw_booster_load(handle: number, buffer: number, len: number): number;
  _xgbw_booster_save_config(handle: number, out: number): number;
  _xgbw_booster_predict_dense(
    handle: number,
    data: number,
    rows: number,
    cols: number,
    config: number,
    out: number,
  ): number;
  _xgbw_booster_feature_score(
    handle: number,
    config: number,
    outN: number,
    outNames: number,
    outScores: number,
  ): number;
  _ff_prepare(model: number, words: number): number;
  _ff_scratch_floats(model: number): number;
  _ff_predict(
    model: number,
    data: number,
    rows: number,
    cols: number,
    out: number,
    scratch: number,
    outputMargin: number,
  ): void;
  UTF8ToString(ptr: number, maxBytes?: number): string;
  stringToUTF8(text: string, ptr: number, maxBytes: number): void;
  lengthBytesUTF8(text: string): number;
  // Views over the module's memory; emscripten replaces them when the memory grows.
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  HEAP32: Int32Array;
  HEAPF32: Float32Array;
}

type ModuleFactory = (options: { wasmBinary: Uint8Array }) => Promise<NativeExports>;

const require = createRequire(import.meta.url);
const wasmUrl = new URL('../lib/xgboost.wasm', import.meta.url);
const createModule = require('../lib/xgboost.cjs') as ModuleFactory;

// The emscripten 3.1.6 loader would fetch() a file path; handing it the bytes avoids that.
export const native: NativeExports = await createModule({ wasmBinary: readFileSync(wasmUrl) });

/** An error raised inside XGBoost, carrying XGBoost's own message. */
export class XGBoostError extends Error {
  override name = 'XGBoostError';
}

/** Throws XGBoost's last error when a C call did not return 0. */
export function check(rc: number): void {
  if (rc !== 0) throw new XGBoostError(native.UTF8ToString(native._xgbw_last_error()));
}

/** Copies a string into the module's memory; the caller frees the pointer. */
export function allocString(text: string): number {
  const bytes = native.lengthBytesUTF8(text) + 1;
  const ptr = native._malloc(bytes);
  native.stringToUTF8(text, ptr, bytes);
  return ptr;
}

/** Runs `body` with temporary strings in the module's memory, freeing them afterwards. */
export function withStrings<T>(texts: readonly string[], body: (ptrs: number[]) => T): T {
  const ptrs = texts.map(allocString);
  try {
    return body(ptrs);
  } finally {
    ptrs.forEach((ptr) => native._free(ptr));
  }
}

/** Scratch words for out-parameters: four 32-bit slots, freed after `body`. */
export function withOutSlots<T>(body: (slots: number) => T): T {
  const slots = native._malloc(16);
  try {
    return body(slots);
  } finally {
    native._free(slots);
  }
}

export function readU32(ptr: number): number {
  return native.HEAPU32[ptr >>> 2];
}

/** Copies floats into fresh module memory; the caller frees the pointer. */
export function allocFloats(values: ArrayLike<number>): number {
  const ptr = native._malloc(Math.max(4, values.length * 4));
  native.HEAPF32.set(values, ptr >>> 2);
  return ptr;
}
