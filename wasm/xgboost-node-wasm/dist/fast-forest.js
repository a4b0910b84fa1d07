// Turns XGBoost's JSON model into the flat complete-tree layout that wasm/src/fast_forest.c
// evaluates. Models the fast path cannot reproduce exactly are reported, not approximated.
/** Header word indices and constants shared with fast_forest.c. */
const HEADER_WORDS = 8;
const TREE_WORDS = 4;
const MAGIC = 0x46463137; // "FF17"
const DEFAULT_LEFT = 0x80000000;
/** Deeper trees would make the padded layout too large (2^depth leaves per tree). */
export const MAX_FAST_DEPTH = 12;
/** Objective codes shared with fast_forest.c. */
const OBJECTIVE_CODES = Object.freeze({
    'reg:squarederror': 0,
    'binary:logitraw': 0,
    'reg:logistic': 1,
    'binary:logistic': 1,
    'multi:softprob': 2,
    'multi:softmax': 3,
    'count:poisson': 4,
});
export const FAST_OBJECTIVES = Object.freeze(Object.keys(OBJECTIVE_CODES));
export function buildFastLayout(modelJson) {
    const model = JSON.parse(modelJson);
    const learner = model.learner;
    const objective = learner.objective.name;
    const objectiveCode = OBJECTIVE_CODES[objective];
    if (objectiveCode === undefined)
        return { ok: false, reason: `objective ${objective} has no fast path` };
    if (learner.gradient_booster.name !== 'gbtree' || !learner.gradient_booster.model) {
        return { ok: false, reason: `booster ${learner.gradient_booster.name} has no fast path` };
    }
    const { trees, tree_info: treeInfo } = learner.gradient_booster.model;
    const numClass = Number(learner.learner_model_param.num_class);
    const groups = numClass > 0 ? numClass : 1;
    const features = Number(learner.learner_model_param.num_feature);
    const depths = [];
    let nodeWords = 0;
    let leafWords = 0;
    for (const tree of trees) {
        if ((tree.split_type ?? []).some((type) => type !== 0) || (tree.categories_nodes ?? []).length > 0) {
            return { ok: false, reason: 'categorical splits have no fast path' };
        }
        // XGBoost's predictor takes a split's right child to be left + 1 (GetNextNode); its trees
        // are built that way. A hand-made tree that is not would be walked differently here.
        if (tree.left_children.some((left, nid) => left !== -1 && tree.right_children[nid] !== left + 1)) {
            return { ok: false, reason: 'a right child that is not left child + 1 has no fast path' };
        }
        const depth = treeDepth(tree);
        if (depth > MAX_FAST_DEPTH)
            return { ok: false, reason: `tree depth ${depth} exceeds ${MAX_FAST_DEPTH}` };
        depths.push(depth);
        nodeWords += 2 * ((1 << depth) - 1);
        leafWords += 1 << depth;
    }
    const words = new Uint32Array(HEADER_WORDS + TREE_WORDS * trees.length + nodeWords + leafWords);
    const floats = new Float32Array(words.buffer);
    words[0] = MAGIC;
    words[1] = trees.length;
    words[2] = groups;
    words[3] = features;
    words[4] = objectiveCode;
    // XGBoost writes base_score as the shortest text that reads back to the same float32.
    floats[5] = Number(learner.learner_model_param.base_score);
    let offset = HEADER_WORDS + TREE_WORDS * trees.length;
    trees.forEach((tree, t) => {
        const depth = depths[t];
        const group = treeInfo[t];
        const internal = (1 << depth) - 1;
        const nodeOffset = offset;
        const leafOffset = nodeOffset + 2 * internal;
        offset = leafOffset + (1 << depth);
        const entry = HEADER_WORDS + TREE_WORDS * t;
        words[entry] = depth;
        words[entry + 1] = group;
        words[entry + 2] = nodeOffset;
        words[entry + 3] = leafOffset;
        // Position p in the complete tree: children 2p+1 and 2p+2; leaves from `internal` on.
        const place = (nid, position, level) => {
            const left = tree.left_children[nid];
            if (left === -1) {
                if (level === depth) {
                    floats[leafOffset + position - internal] = tree.split_conditions[nid];
                }
                else {
                    // A padding split: both children are this leaf, so its direction does not matter.
                    words[nodeOffset + 2 * position] = 0;
                    floats[nodeOffset + 2 * position + 1] = 0;
                    place(nid, 2 * position + 1, level + 1);
                    place(nid, 2 * position + 2, level + 1);
                }
                return;
            }
            words[nodeOffset + 2 * position] = tree.split_indices[nid] | (tree.default_left[nid] ? DEFAULT_LEFT : 0);
            floats[nodeOffset + 2 * position + 1] = tree.split_conditions[nid];
            place(left, 2 * position + 1, level + 1);
            place(tree.right_children[nid], 2 * position + 2, level + 1);
        };
        place(0, 0, 0);
    });
    return { ok: true, words, groups, features, objective };
}
function treeDepth(tree) {
    let max = 0;
    const stack = [[0, 0]];
    while (stack.length > 0) {
        const [nid, level] = stack.pop();
        const left = tree.left_children[nid];
        if (left === -1) {
            max = Math.max(max, level);
        }
        else {
            stack.push([left, level + 1], [tree.right_children[nid], level + 1]);
        }
    }
    return max;
}
