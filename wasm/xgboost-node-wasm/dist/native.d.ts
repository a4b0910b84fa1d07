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
    _xgbw_booster_predict_dense(handle: number, data: number, rows: number, cols: number, config: number, out: number): number;
    _xgbw_booster_feature_score(handle: number, config: number, outN: number, outNames: number, outScores: number): number;
    _ff_prepare(model: number, words: number): number;
    _ff_scratch_floats(model: number): number;
    _ff_predict(model: number, data: number, rows: number, cols: number, out: number, scratch: number, outputMargin: number): void;
    UTF8ToString(ptr: number, maxBytes?: number): string;
    stringToUTF8(text: string, ptr: number, maxBytes: number): void;
    lengthBytesUTF8(text: string): number;
    HEAPU8: Uint8Array;
    HEAPU32: Uint32Array;
    HEAP32: Int32Array;
    HEAPF32: Float32Array;
}
export declare const native: NativeExports;
/** An error raised inside XGBoost, carrying XGBoost's own message. */
export declare class XGBoostError extends Error {
    name: string;
}
/** Throws XGBoost's last error when a C call did not return 0. */
export declare function check(rc: number): void;
/** Copies a string into the module's memory; the caller frees the pointer. */
export declare function allocString(text: string): number;
/** Runs `body` with temporary strings in the module's memory, freeing them afterwards. */
export declare function withStrings<T>(texts: readonly string[], body: (ptrs: number[]) => T): T;
/** Scratch words for out-parameters: four 32-bit slots, freed after `body`. */
export declare function withOutSlots<T>(body: (slots: number) => T): T;
export declare function readU32(ptr: number): number;
/** Copies floats into fresh module memory; the caller frees the pointer. */
export declare function allocFloats(values: ArrayLike<number>): number;
