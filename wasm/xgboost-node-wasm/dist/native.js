// Loads the WebAssembly module once (top-level await) and gives typed access to its exports.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const wasmUrl = new URL('../lib/xgboost.wasm', import.meta.url);
const createModule = require('../lib/xgboost.cjs');
// The emscripten 3.1.6 loader would fetch() a file path; handing it the bytes avoids that.
export const native = await createModule({ wasmBinary: readFileSync(wasmUrl) });
/** An error raised inside XGBoost, carrying XGBoost's own message. */
export class XGBoostError extends Error {
    name = 'XGBoostError';
}
/** Throws XGBoost's last error when a C call did not return 0. */
export function check(rc) {
    if (rc !== 0)
        throw new XGBoostError(native.UTF8ToString(native._xgbw_last_error()));
}
/** Copies a string into the module's memory; the caller frees the pointer. */
export function allocString(text) {
    const bytes = native.lengthBytesUTF8(text) + 1;
    const ptr = native._malloc(bytes);
    native.stringToUTF8(text, ptr, bytes);
    return ptr;
}
/** Runs `body` with temporary strings in the module's memory, freeing them afterwards. */
export function withStrings(texts, body) {
    const ptrs = texts.map(allocString);
    try {
        return body(ptrs);
    }
    finally {
        ptrs.forEach((ptr) => native._free(ptr));
    }
}
/** Scratch words for out-parameters: four 32-bit slots, freed after `body`. */
export function withOutSlots(body) {
    const slots = native._malloc(16);
    try {
        return body(slots);
    }
    finally {
        native._free(slots);
    }
}
export function readU32(ptr) {
    return native.HEAPU32[ptr >>> 2];
}
/** Copies floats into fresh module memory; the caller frees the pointer. */
export function allocFloats(values) {
    const ptr = native._malloc(Math.max(4, values.length * 4));
    native.HEAPF32.set(values, ptr >>> 2);
    return ptr;
}
