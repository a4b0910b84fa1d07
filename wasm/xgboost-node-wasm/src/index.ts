// xgboost-node-wasm: XGBoost 1.7.4 (Debian's source) compiled to WebAssembly.
export {
  Booster,
  type BatchPredictOptions,
  type FastPathStatus,
  type ImportanceType,
  type ModelFormat,
  type PredictOptions,
  type PredictPath,
  type RoundProgress,
  type TrainOptions,
} from './booster.js';
export { DMatrix, type DMatrixOptions } from './matrix.js';
export { DEFAULT_PARAMS, type TrainParams } from './options.js';
export { FAST_OBJECTIVES, MAX_FAST_DEPTH } from './fast-forest.js';
export { XGBoostError } from './native.js';
import { native } from './native.js';

/** The XGBoost version compiled into the module. */
export const XGBOOST_VERSION = '1.7.4';

/** Bytes of WebAssembly memory in use by the module (it grows, never shrinks). */
export function wasmMemoryBytes(): number {
  return native.HEAPU8.length;
}
