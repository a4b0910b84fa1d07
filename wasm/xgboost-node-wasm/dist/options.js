// Training parameters: names in camelCase, mapped onto XGBoost's parameter names.
const PARAM_NAMES = Object.freeze({
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
export const DEFAULT_PARAMS = Object.freeze({
    nthread: '1',
    verbosity: '1',
});
/** XGBoost (name, value) pairs in the order they are set; eval_metric may repeat. */
export function toXGBoostParams(params) {
    const pairs = Object.entries(DEFAULT_PARAMS);
    for (const [key, name] of Object.entries(PARAM_NAMES)) {
        const value = params[key];
        if (value !== undefined)
            pairs.push([name, String(value)]);
    }
    const metrics = params.evalMetric === undefined ? [] : [params.evalMetric].flat();
    for (const metric of metrics)
        pairs.push(['eval_metric', metric]);
    for (const [name, value] of Object.entries(params.extra ?? {}))
        pairs.push([name, String(value)]);
    return pairs;
}
