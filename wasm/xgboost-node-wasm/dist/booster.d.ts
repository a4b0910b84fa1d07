import { DMatrix } from './matrix.js';
import { type TrainParams } from './options.js';
export type ModelFormat = 'json' | 'ubj';
/**
 * Which predictor computes the values:
 * - 'fast': the flat-layout evaluator in fast_forest.c (throws if the model has no fast path);
 * - 'reference': XGBoost's own CPU predictor;
 * - 'auto': fast when the model has a fast path, otherwise reference. Both give the same bits.
 */
export type PredictPath = 'auto' | 'fast' | 'reference';
export interface PredictOptions {
    /** Raw sums of leaf values (plus base margin), before the objective's transform. */
    outputMargin?: boolean;
    path?: PredictPath;
}
export interface BatchPredictOptions extends PredictOptions {
    /** Rows in `data`; by default data.length / numFeatures. */
    rows?: number;
}
export interface RoundProgress {
    /** Zero-based round just finished. */
    round: number;
    rounds: number;
    /** Evaluation results by `<eval name>-<metric>`, e.g. { 'train-rmse': 0.31 }. */
    metrics: Record<string, number>;
    elapsedMs: number;
}
export interface TrainOptions {
    /** Boosting rounds. */
    rounds: number;
    /** Matrices evaluated after every round, by name. */
    evals?: ReadonlyArray<{
        name: string;
        data: DMatrix;
    }>;
    /** Called after every round; return false to stop training early. */
    onRound?: (progress: RoundProgress) => boolean | void;
}
export type ImportanceType = 'weight' | 'gain' | 'cover' | 'total_gain' | 'total_cover';
/** Why the fast path is or is not used for this model. */
export type FastPathStatus = {
    available: true;
} | {
    available: false;
    reason: string;
};
export declare class Booster {
    #private;
    private constructor();
    /** Trains a booster on `dtrain` for `options.rounds` rounds. */
    static train(params: TrainParams, dtrain: DMatrix, options: TrainOptions): Booster;
    /** Loads an XGBoost model saved as JSON or UBJSON (detected from the bytes). */
    static load(model: Uint8Array | string): Booster;
    get handle(): number;
    get numFeatures(): number;
    get boostedRounds(): number;
    /** The model as XGBoost JSON or UBJSON bytes, readable by any XGBoost ≥ 1.6. */
    save(format?: ModelFormat): Uint8Array;
    /** XGBoost's JSON configuration of the booster (parameters, objective). */
    saveConfig(): string;
    /** Whether predict uses the fast path for this model, or why not. */
    get fastPath(): FastPathStatus;
    /**
     * Predicts rows of a dense row-major matrix (NaN = missing). Returns rows × outputs values
     * (outputs = classes for multi:softprob, otherwise 1).
     */
    predict(data: Float32Array, options?: BatchPredictOptions): Float32Array;
    /** Predicts one row; the latency-sensitive case. */
    predictRow(row: ArrayLike<number>, options?: PredictOptions): Float32Array;
    /** Importance per feature name (features never used in a split are absent), as XGBoost's get_score. */
    featureImportance(type?: ImportanceType): Record<string, number>;
    get disposed(): boolean;
    /** Frees the booster's native memory now. Safe to call twice. */
    dispose(): void;
}
/** Parses XGBoost's "[3]\ttrain-rmse:0.25\teval-rmse:0.31". */
export declare function parseEvalLine(text: string): Record<string, number>;
