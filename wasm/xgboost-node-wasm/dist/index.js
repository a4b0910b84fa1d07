// xgboost-node-wasm: XGBoost 1.7.4 (Debian's source) compiled to WebAssembly.
export { Booster, } from './booster.js';
export { DMatrix } from './matrix.js';
export { DEFAULT_PARAMS } from './options.js';
export { FAST_OBJECTIVES, MAX_FAST_DEPTH } from './fast-forest.js';
export { XGBoostError } from './native.js';
import { native } from './native.js';
/** The XGBoost version compiled into the module. */
export const XGBOOST_VERSION = '1.7.4';
/** Bytes of WebAssembly memory in use by the module (it grows, never shrinks). */
export function wasmMemoryBytes() {
    return native.HEAPU8.length;
}
