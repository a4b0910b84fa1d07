export { Booster, type BatchPredictOptions, type FastPathStatus, type ImportanceType, type ModelFormat, type PredictOptions, type PredictPath, type RoundProgress, type TrainOptions, } from './booster.js';
export { DMatrix, type DMatrixOptions } from './matrix.js';
export { DEFAULT_PARAMS, type TrainParams } from './options.js';
export { FAST_OBJECTIVES, MAX_FAST_DEPTH } from './fast-forest.js';
export { XGBoostError } from './native.js';
/** The XGBoost version compiled into the module. */
export declare const XGBOOST_VERSION = "1.7.4";
/** Bytes of WebAssembly memory in use by the module (it grows, never shrinks). */
export declare function wasmMemoryBytes(): number;
