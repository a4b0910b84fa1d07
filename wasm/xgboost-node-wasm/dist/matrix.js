// DMatrix: XGBoost's training/evaluation matrix, made from a dense row-major Float32Array.
import { allocFloats, check, native, readU32, withOutSlots, withStrings } from './native.js';
const registry = new FinalizationRegistry((handle) => native._xgbw_dmatrix_free(handle));
export class DMatrix {
    rows;
    cols;
    #handle;
    /** Copies `data` (row-major, NaN for a missing value) into XGBoost. */
    constructor(data, options) {
        const { rows, cols } = options;
        assertShape(data, rows, cols);
        const dataPtr = allocFloats(data);
        try {
            this.#handle = withOutSlots((out) => {
                check(native._xgbw_dmatrix_create_dense(dataPtr, rows, cols, NaN, out));
                return readU32(out);
            });
        }
        finally {
            native._free(dataPtr);
        }
        this.rows = rows;
        this.cols = cols;
        registry.register(this, this.#handle, this);
        if (options.labels)
            this.setLabels(options.labels);
        if (options.weights)
            this.setWeights(options.weights);
    }
    setLabels(labels) {
        this.#setFloatInfo('label', labels);
    }
    setWeights(weights) {
        this.#setFloatInfo('weight', weights);
    }
    /** The native handle; throws once the matrix is disposed. */
    get handle() {
        if (this.#handle === 0)
            throw new Error('DMatrix has been disposed');
        return this.#handle;
    }
    get disposed() {
        return this.#handle === 0;
    }
    /** Frees the native memory now rather than at garbage collection. Safe to call twice. */
    dispose() {
        if (this.#handle === 0)
            return;
        registry.unregister(this);
        native._xgbw_dmatrix_free(this.#handle);
        this.#handle = 0;
    }
    #setFloatInfo(field, values) {
        if (values.length !== this.rows) {
            throw new RangeError(`${field} has ${values.length} values for ${this.rows} rows`);
        }
        const ptr = allocFloats(values);
        try {
            withStrings([field], ([fieldPtr]) => check(native._xgbw_dmatrix_set_float_info(this.handle, fieldPtr, ptr, values.length)));
        }
        finally {
            native._free(ptr);
        }
    }
}
export function assertShape(data, rows, cols) {
    if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols <= 0) {
        throw new RangeError(`invalid shape ${rows} × ${cols}`);
    }
    if (data.length !== rows * cols) {
        throw new RangeError(`data has ${data.length} values, expected ${rows} × ${cols} = ${rows * cols}`);
    }
}
