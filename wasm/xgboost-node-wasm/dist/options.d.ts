export interface TrainParams {
    /** XGBoost objective, e.g. 'reg:squarederror', 'binary:logistic', 'multi:softprob'. */
    objective?: string;
    /** Maximum tree depth (XGBoost `max_depth`). */
    maxDepth?: number;
    /** Learning rate (XGBoost `eta`). */
    eta?: number;
    /** Random seed (XGBoost `seed`). */
    seed?: number;
    /** Number of classes for multi:* objectives (XGBoost `num_class`). */
    numClass?: number;
    /** Row subsampling ratio per tree (XGBoost `subsample`). */
    subsample?: number;
    /** Column subsampling ratio per tree (XGBoost `colsample_bytree`). */
    colsampleBytree?: number;
    /** Minimum hessian in a child (XGBoost `min_child_weight`). */
    minChildWeight?: number;
    /** L2 regularisation on leaf weights (XGBoost `lambda`). */
    lambda?: number;
    /** L1 regularisation on leaf weights (XGBoost `alpha`). */
    alpha?: number;
    /** Minimum loss reduction for a split (XGBoost `gamma`). */
    gamma?: number;
    /** 'exact', 'approx' or 'hist' (XGBoost `tree_method`). */
    treeMethod?: string;
    /** Starting prediction (XGBoost `base_score`). */
    baseScore?: number;
    /** Evaluation metrics reported per round (XGBoost `eval_metric`). */
    evalMetric?: string | readonly string[];
    /** Any other XGBoost parameter, by its XGBoost name. */
    extra?: Readonly<Record<string, string | number | boolean>>;
}
/** Applied before the caller's parameters. The module is single-threaded. */
export declare const DEFAULT_PARAMS: Readonly<Record<string, string>>;
/** XGBoost (name, value) pairs in the order they are set; eval_metric may repeat. */
export declare function toXGBoostParams(params: TrainParams): Array<[string, string]>;
