// Booster: training, model I/O, prediction (XGBoost's own predictor, and the fast path).
import { buildFastLayout } from './fast-forest.js';
import { assertShape } from './matrix.js';
import { XGBoostError, allocFloats, allocString, check, native, readU32, withOutSlots, withStrings, } from './native.js';
import { toXGBoostParams } from './options.js';
/** ff_prepare's error codes (negated), fast_forest.c. */
const FAST_PREPARE_ERRORS = Object.freeze({
    5: 'a tree is deeper than the fast layout allows',
    8: 'a split uses a feature beyond the model width',
    9: 'a split condition is NaN or -infinity',
});
const PREDICT_TYPE_VALUE = 0; // XGBoost PredictionType::kValue
const PREDICT_TYPE_MARGIN = 1; // XGBoost PredictionType::kMargin
function freeOwned(owned) {
    owned.buffers.forEach((ptr) => native._free(ptr));
    owned.buffers = [];
    if (owned.handle !== 0)
        native._xgbw_booster_free(owned.handle);
    owned.handle = 0;
}
const registry = new FinalizationRegistry(freeOwned);
export class Booster {
    #owned;
    #fast;
    #predictConfigs;
    constructor(handle) {
        this.#owned = { handle, buffers: [] };
        registry.register(this, this.#owned, this);
    }
    /** Trains a booster on `dtrain` for `options.rounds` rounds. */
    static train(params, dtrain, options) {
        const evals = options.evals ?? [];
        const booster = Booster.#create([dtrain, ...evals.map((e) => e.data)]);
        try {
            for (const [name, value] of toXGBoostParams(params))
                booster.#setParam(name, value);
            const started = performance.now();
            for (let round = 0; round < options.rounds; round += 1) {
                check(native._xgbw_booster_update(booster.handle, round, dtrain.handle));
                const metrics = evals.length > 0 ? booster.#evaluate(round, evals) : {};
                const go = options.onRound?.({
                    round,
                    rounds: options.rounds,
                    metrics,
                    elapsedMs: performance.now() - started,
                });
                if (go === false)
                    break;
            }
        }
        catch (error) {
            booster.dispose();
            throw error;
        }
        return booster;
    }
    /** Loads an XGBoost model saved as JSON or UBJSON (detected from the bytes). */
    static load(model) {
        const bytes = typeof model === 'string' ? new TextEncoder().encode(model) : model;
        const booster = Booster.#create([]);
        const ptr = native._malloc(Math.max(1, bytes.length));
        try {
            native.HEAPU8.set(bytes, ptr);
            check(native._xgbw_booster_load(booster.handle, ptr, bytes.length));
        }
        catch (error) {
            booster.dispose();
            throw error;
        }
        finally {
            native._free(ptr);
        }
        return booster;
    }
    static #create(cache) {
        const mats = new Uint32Array(cache.map((m) => m.handle));
        const matsPtr = native._malloc(Math.max(4, mats.byteLength));
        try {
            native.HEAPU32.set(mats, matsPtr >>> 2);
            return withOutSlots((out) => {
                check(native._xgbw_booster_create(matsPtr, mats.length, out));
                return new Booster(readU32(out));
            });
        }
        finally {
            native._free(matsPtr);
        }
    }
    get handle() {
        if (this.#owned.handle === 0)
            throw new Error('Booster has been disposed');
        return this.#owned.handle;
    }
    get numFeatures() {
        return withOutSlots((out) => {
            check(native._xgbw_booster_num_feature(this.handle, out));
            return readU32(out);
        });
    }
    get boostedRounds() {
        return withOutSlots((out) => {
            check(native._xgbw_booster_boosted_rounds(this.handle, out));
            return native.HEAP32[out >>> 2];
        });
    }
    /** The model as XGBoost JSON or UBJSON bytes, readable by any XGBoost ≥ 1.6. */
    save(format = 'json') {
        return withStrings([JSON.stringify({ format })], ([config]) => withOutSlots((out) => {
            check(native._xgbw_booster_save(this.handle, config, out));
            const ptr = readU32(out);
            return native.HEAPU8.slice(ptr, ptr + native._xgbw_out_len());
        }));
    }
    /** XGBoost's JSON configuration of the booster (parameters, objective). */
    saveConfig() {
        return withOutSlots((out) => {
            check(native._xgbw_booster_save_config(this.handle, out));
            return native.UTF8ToString(readU32(out), native._xgbw_out_len());
        });
    }
    /** Whether predict uses the fast path for this model, or why not. */
    get fastPath() {
        const fast = this.#fastState();
        return 'model' in fast ? { available: true } : { available: false, reason: fast.reason };
    }
    /**
     * Predicts rows of a dense row-major matrix (NaN = missing). Returns rows × outputs values
     * (outputs = classes for multi:softprob, otherwise 1).
     */
    predict(data, options = {}) {
        const cols = this.numFeatures;
        const rows = options.rows ?? Math.floor(data.length / Math.max(1, cols));
        assertShape(data, rows, cols);
        const fast = this.#choosePath(options.path);
        if (fast)
            return this.#predictFast(fast, data, rows, options.outputMargin === true);
        return this.#predictReference(data, rows, cols, options.outputMargin === true);
    }
    /** Predicts one row; the latency-sensitive case. */
    predictRow(row, options = {}) {
        const fast = this.#choosePath(options.path);
        if (!fast) {
            const data = row instanceof Float32Array ? row : Float32Array.from(row);
            return this.predict(data, { ...options, rows: 1 });
        }
        if (row.length !== fast.features) {
            throw new RangeError(`row has ${row.length} values, the model has ${fast.features} features`);
        }
        native.HEAPF32.set(row, fast.rowPtr >>> 2);
        native._ff_predict(fast.model, fast.rowPtr, 1, fast.features, fast.outPtr, fast.scratchPtr, options.outputMargin ? 1 : 0);
        const outputs = fast.argmax && !options.outputMargin ? 1 : fast.groups;
        const at = fast.outPtr >>> 2;
        return native.HEAPF32.slice(at, at + outputs);
    }
    /** Importance per feature name (features never used in a split are absent), as XGBoost's get_score. */
    featureImportance(type = 'weight') {
        const config = JSON.stringify({ importance_type: type, feature_map: null, feature_names: null, tree_idx: null });
        return withStrings([config], ([configPtr]) => withOutSlots((slots) => {
            check(native._xgbw_booster_feature_score(this.handle, configPtr, slots, slots + 4, slots + 8));
            const n = readU32(slots);
            const namesPtr = readU32(slots + 4);
            const scoresPtr = readU32(slots + 8);
            const scores = {};
            for (let i = 0; i < n; i += 1) {
                const name = native.UTF8ToString(readU32(namesPtr + 4 * i));
                scores[name] = native.HEAPF32[(scoresPtr >>> 2) + i];
            }
            return scores;
        }));
    }
    get disposed() {
        return this.#owned.handle === 0;
    }
    /** Frees the booster's native memory now. Safe to call twice. */
    dispose() {
        if (this.#owned.handle === 0)
            return;
        this.#fast = undefined;
        this.#predictConfigs = undefined;
        registry.unregister(this);
        freeOwned(this.#owned);
    }
    #setParam(name, value) {
        withStrings([name, value], ([n, v]) => check(native._xgbw_booster_set_param(this.handle, n, v)));
        this.#dropDerived();
    }
    #evaluate(round, evals) {
        const mats = new Uint32Array(evals.map((e) => e.data.handle));
        const matsPtr = native._malloc(mats.byteLength);
        const namePtrs = evals.map((e) => allocString(e.name));
        const namesPtr = native._malloc(4 * namePtrs.length);
        try {
            native.HEAPU32.set(mats, matsPtr >>> 2);
            native.HEAPU32.set(namePtrs, namesPtr >>> 2);
            const text = withOutSlots((out) => {
                check(native._xgbw_booster_eval(this.handle, round, matsPtr, namesPtr, evals.length, out));
                return native.UTF8ToString(readU32(out));
            });
            return parseEvalLine(text);
        }
        finally {
            native._free(matsPtr);
            native._free(namesPtr);
            namePtrs.forEach((ptr) => native._free(ptr));
        }
    }
    #choosePath(path = 'auto') {
        if (path === 'reference')
            return undefined;
        const fast = this.#fastState();
        if ('model' in fast)
            return fast;
        if (path === 'fast')
            throw new XGBoostError(`fast path unavailable: ${fast.reason}`);
        return undefined;
    }
    #fastState() {
        if (this.#fast)
            return this.#fast;
        const layout = buildFastLayout(new TextDecoder().decode(this.save('json')));
        if (!layout.ok) {
            this.#fast = { reason: layout.reason };
            return this.#fast;
        }
        const model = this.#own(native._malloc(layout.words.byteLength));
        native.HEAPU32.set(layout.words, model >>> 2);
        const rc = native._ff_prepare(model, layout.words.length);
        if (rc !== 0) {
            this.#dropDerived();
            this.#fast = { reason: FAST_PREPARE_ERRORS[-rc] ?? `fast layout rejected (code ${rc})` };
            return this.#fast;
        }
        const floats = (n) => this.#own(native._malloc(4 * Math.max(1, n)));
        this.#fast = {
            model,
            groups: layout.groups,
            features: layout.features,
            argmax: layout.objective === 'multi:softmax',
            rowPtr: floats(layout.features),
            outPtr: floats(layout.groups),
            scratchPtr: floats(native._ff_scratch_floats(model)),
        };
        return this.#fast;
    }
    #predictFast(fast, data, rows, outputMargin) {
        const outputs = fast.argmax && !outputMargin ? 1 : fast.groups;
        const dataPtr = allocFloats(data);
        const outPtr = native._malloc(4 * Math.max(1, rows * outputs));
        try {
            native._ff_predict(fast.model, dataPtr, rows, fast.features, outPtr, fast.scratchPtr, outputMargin ? 1 : 0);
            const at = outPtr >>> 2;
            return native.HEAPF32.slice(at, at + rows * outputs);
        }
        finally {
            native._free(dataPtr);
            native._free(outPtr);
        }
    }
    #predictReference(data, rows, cols, outputMargin) {
        if (!this.#predictConfigs) {
            // Built once per booster; XGBoost still parses the text on every call.
            const config = (type) => this.#own(allocString(`{"type":${type},"training":false,"cache_id":0,"iteration_begin":0,"iteration_end":0,"strict_shape":false,"missing":NaN}`));
            this.#predictConfigs = [config(PREDICT_TYPE_VALUE), config(PREDICT_TYPE_MARGIN)];
        }
        const config = this.#predictConfigs[outputMargin ? 1 : 0];
        const dataPtr = allocFloats(data);
        try {
            return withOutSlots((out) => {
                check(native._xgbw_booster_predict_dense(this.handle, dataPtr, rows, cols, config, out));
                const ptr = readU32(out);
                const dims = native._xgbw_out_len();
                const shapeAt = native._xgbw_out_dims() >>> 2;
                let size = 1;
                for (let i = 0; i < dims; i += 1)
                    size *= native.HEAPU32[shapeAt + i];
                return native.HEAPF32.slice(ptr >>> 2, (ptr >>> 2) + size);
            });
        }
        finally {
            native._free(dataPtr);
        }
    }
    /** Anything derived from the model: invalid once the model or its parameters change. */
    #dropDerived() {
        this.#owned.buffers.forEach((ptr) => native._free(ptr));
        this.#owned.buffers = [];
        this.#fast = undefined;
        this.#predictConfigs = undefined;
    }
    /** Records a buffer derived from the model, freed with it. */
    #own(ptr) {
        this.#owned.buffers.push(ptr);
        return ptr;
    }
}
/** Parses XGBoost's "[3]\ttrain-rmse:0.25\teval-rmse:0.31". */
export function parseEvalLine(text) {
    const metrics = {};
    for (const field of text.split('\t').slice(1)) {
        const at = field.lastIndexOf(':');
        if (at > 0)
            metrics[field.slice(0, at)] = Number(field.slice(at + 1));
    }
    return metrics;
}
