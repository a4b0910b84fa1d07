// Training parameters: names in camelCase, mapped onto XGBoost's parameter names.

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

const PARAM_NAMES: Readonly<Record<string, string>> = Object.freeze({
  objective: 'objective',
  maxDepth: 'max_depth',
  eta: 'eta',
  seed: 'seed',
  numClass: 'num_class',
  subsample: 'subsample',
  colsampleBytree: 'colsample_bytree',
  minChildWeight: 'min_child_weight',
  lambda: 'lambda',
  alpha: 'alpha',
  gamma: 'gamma',
  treeMethod: 'tree_method',
  baseScore: 'base_score',
});

/** Applied before the caller's parameters. The module is single-threaded. */
export const DEFAULT_PARAMS: Readonly<Record<string, string>> = Object.freeze({
  nthread: '1',
  verbosity: '1',
});

/** XGBoost (name, value) pairs in the order they are set; eval_metric may repeat. */
export function toXGBoostParams(params: TrainParams): Array<[string, string]> {
  const pairs: Array<[string, string]> = Object.entries(DEFAULT_PARAMS);
  for (const [key, name] of Object.entries(PARAM_NAMES)) {
    const value = params[key as keyof TrainParams];
    if (value !== undefined) pairs.push([name, String(value)]);
  }
  const metrics = params.evalMetric === undefined ? [] : [params.evalMetric].flat();
  for (const metric of metrics) pairs.push(['eval_metric', metric]);
  for (const [name, value] of Object.entries(params.extra ?? {})) pairs.push([name, String(value)]);
  return pairs;
}
