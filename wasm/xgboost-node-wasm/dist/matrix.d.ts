export interface DMatrixOptions {
    /** Number of rows; the data holds rows × cols values. */
    rows: number;
    /** Number of columns (features). */
    cols: number;
    /** One label per row (training and evaluation). */
    labels?: ArrayLike<number>;
    /** One weight per row. */
    weights?: ArrayLike<number>;
}
export declare class DMatrix {
    #private;
    readonly rows: number;
    readonly cols: number;
    /** Copies `data` (row-major, NaN for a missing value) into XGBoost. */
    constructor(data: Float32Array, options: DMatrixOptions);
    setLabels(labels: ArrayLike<number>): void;
    setWeights(weights: ArrayLike<number>): void;
    /** The native handle; throws once the matrix is disposed. */
    get handle(): number;
    get disposed(): boolean;
    /** Frees the native memory now rather than at garbage collection. Safe to call twice. */
    dispose(): void;
}
export declare function assertShape(data: Float32Array, rows: number, cols: number): void;
