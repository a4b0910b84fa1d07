/*
 * The fast prediction path: a flat, complete-tree layout evaluated over blocks of rows.
 *
 * Bit-identical to XGBoost 1.7.4's CPU predictor by construction:
 *  - every output starts at the base margin (ProbToMargin of base_score, as the learner does);
 *  - leaf values are added one tree at a time, in tree order, in float32
 *    (cpu_predictor.cc, PredictByAllTrees: preds[row * n_groups + group] += leaf);
 *  - a split sends a row left when `value < split_condition`, and a missing value (NaN) to
 *    the node's default child (GetNextNode);
 *  - the objective's transform is the same float expression (common::Sigmoid, common::Softmax,
 *    FindMaxIndex, expf), built against the same libm as the reference path.
 *
 * Layout (all 4-byte words, written by the JavaScript side from XGBoost's JSON model):
 *   header  FF_HEADER_WORDS words, see the FF_* indices below
 *   trees   FF_TREE_WORDS words per tree: depth, output group, node offset, leaf offset
 *   nodes   per tree 2^depth - 1 internal nodes of two words: feature | default_left << 31,
 *           split condition; node i has children 2i+1 (left) and 2i+2 (right). Shallower leaves
 *           are pushed down to full depth behind splits whose two children are the same leaf.
 *   leaves  per tree 2^depth leaf values.
 *
 * Missing values cost nothing per split: each row is copied twice side by side, NaN written
 * as -inf in the first copy and +inf in the second; ff_prepare turns each node's feature into
 * an index into that pair, the first copy for default-left nodes and the second otherwise.
 * Then `v < split` alone decides: -inf < split sends a missing value left, +inf < split sends
 * it right, and every other value (±inf included) compares as itself. That holds for any
 * split condition but NaN and -inf, which ff_prepare refuses.
 */
#include <math.h>
#include <stdint.h>

#include <emscripten/emscripten.h>

#define API EMSCRIPTEN_KEEPALIVE

enum {
  FF_MAGIC_WORD = 0,
  FF_N_TREES = 1,
  FF_N_GROUPS = 2,
  FF_N_FEATURES = 3,
  FF_OBJECTIVE = 4,
  FF_BASE_SCORE = 5, /* float bits, as stored in the model (probability scale) */
  FF_BASE_MARGIN = 6, /* float bits, filled in by ff_prepare */
  FF_MAX_DEPTH = 7,
  FF_HEADER_WORDS = 8,
  FF_TREE_WORDS = 4,
};

#define FF_MAGIC 0x46463137u /* "FF17": layout version for XGBoost 1.7 */
#define FF_DEFAULT_LEFT 0x80000000u
#define FF_FEATURE_MASK 0x7fffffffu
#define FF_ROW_BLOCK 64 /* rows per block: the block's outputs and rows stay in L1 */
#define FF_MAX_SUPPORTED_DEPTH 12

/* Objectives with the same codes on the JavaScript side. */
enum {
  FF_OBJ_IDENTITY = 0,  /* reg:squarederror, binary:logitraw */
  FF_OBJ_LOGISTIC = 1,  /* reg:logistic, binary:logistic */
  FF_OBJ_SOFTPROB = 2,  /* multi:softprob */
  FF_OBJ_SOFTMAX = 3,   /* multi:softmax */
  FF_OBJ_POISSON = 4,   /* count:poisson */
};

typedef struct {
  uint32_t feature; /* from JavaScript: index | default_left << 31; after ff_prepare: see above */
  float split;
} ff_node;

static inline float as_float(uint32_t bits) {
  union { uint32_t u; float f; } v = {bits};
  return v.f;
}

static inline uint32_t as_bits(float value) {
  union { float f; uint32_t u; } v = {value};
  return v.u;
}

/* regression_loss.h: LogisticRegression::ProbToMargin; PoissonRegression: std::log(float). */
static float prob_to_margin(uint32_t objective, float base_score) {
  switch (objective) {
    case FF_OBJ_LOGISTIC: return -logf(1.0f / base_score - 1.0f);
    case FF_OBJ_POISSON: return logf(base_score);
    default: return base_score;
  }
}

/* common::Sigmoid in src/common/math.h. */
static inline float sigmoid(float x) {
  const float eps = 1e-16f;
  x = fminf(-x, 88.7f);
  float denom = expf(x) + 1.0f + eps;
  return 1.0f / denom;
}

/* common::Softmax: max in float, sum in double, divide by the sum rounded to float. */
static void softmax(float *p, uint32_t n) {
  float wmax = p[0];
  for (uint32_t i = 1; i < n; ++i) wmax = fmaxf(p[i], wmax);
  double wsum = 0.0;
  for (uint32_t i = 0; i < n; ++i) {
    p[i] = expf(p[i] - wmax);
    wsum += p[i];
  }
  for (uint32_t i = 0; i < n; ++i) p[i] /= (float)wsum;
}

/* Returns 0, or a negative code naming what is wrong with the layout. */
API int ff_prepare(uint32_t *model, uint32_t n_words) {
  if (n_words < FF_HEADER_WORDS || model[FF_MAGIC_WORD] != FF_MAGIC) return -1;
  uint32_t n_trees = model[FF_N_TREES];
  uint32_t n_groups = model[FF_N_GROUPS];
  if (n_groups == 0) return -2;
  if (model[FF_OBJECTIVE] > FF_OBJ_POISSON) return -3;
  if ((uint64_t)FF_HEADER_WORDS + (uint64_t)n_trees * FF_TREE_WORDS > n_words) return -4;
  uint32_t max_depth = 0;
  for (uint32_t t = 0; t < n_trees; ++t) {
    const uint32_t *tree = model + FF_HEADER_WORDS + t * FF_TREE_WORDS;
    uint32_t depth = tree[0];
    if (depth > FF_MAX_SUPPORTED_DEPTH) return -5;
    if (tree[1] >= n_groups) return -6;
    uint64_t internal = ((uint64_t)1 << depth) - 1;
    if ((uint64_t)tree[2] + 2 * internal > n_words) return -7;
    if ((uint64_t)tree[3] + internal + 1 > n_words) return -7;
    const ff_node *nodes = (const ff_node *)(model + tree[2]);
    for (uint64_t i = 0; i < internal; ++i) {
      if ((nodes[i].feature & FF_FEATURE_MASK) >= model[FF_N_FEATURES]) return -8;
      if (isnan(nodes[i].split) || nodes[i].split == -INFINITY) return -9;
    }
    if (depth > max_depth) max_depth = depth;
  }
  /* Checked everything: now point each node into the doubled row. */
  for (uint32_t t = 0; t < n_trees; ++t) {
    const uint32_t *tree = model + FF_HEADER_WORDS + t * FF_TREE_WORDS;
    ff_node *nodes = (ff_node *)(model + tree[2]);
    uint32_t internal = (1u << tree[0]) - 1;
    for (uint32_t i = 0; i < internal; ++i) {
      uint32_t feature = nodes[i].feature & FF_FEATURE_MASK;
      int default_left = (nodes[i].feature & FF_DEFAULT_LEFT) != 0;
      nodes[i].feature = default_left ? feature : model[FF_N_FEATURES] + feature;
    }
  }
  model[FF_MAX_DEPTH] = max_depth;
  model[FF_BASE_MARGIN] =
      as_bits(prob_to_margin(model[FF_OBJECTIVE], as_float(model[FF_BASE_SCORE])));
  return 0;
}

/*
 * One level down: the next node is 2i+1 (left) or 2i+2 (right). `row` is a doubled row (see
 * the top of this file), so the comparison alone also routes missing values. Branch-free.
 */
#define FF_STEP(idx, row)                                \
  do {                                                   \
    ff_node n_ = nodes[idx];                             \
    idx = 2 * idx + 2 - ((row)[n_.feature] < n_.split);  \
  } while (0)

/* Writes the doubled copies of `n_rows` rows: NaN as -inf, then NaN as +inf. */
static void double_rows(const float *rows, uint32_t n_rows, uint32_t cols, float *doubled) {
  for (uint32_t r = 0; r < n_rows; ++r) {
    const float *x = rows + (uint64_t)r * cols;
    float *low = doubled + (uint64_t)r * 2 * cols;
    float *high = low + cols;
    for (uint32_t c = 0; c < cols; ++c) {
      float v = x[c];
      int missing = v != v;
      low[c] = missing ? -INFINITY : v;
      high[c] = missing ? INFINITY : v;
    }
  }
}

static void add_tree(const ff_node *nodes, const float *leaves, uint32_t depth,
                     const float *rows, uint32_t n_rows, uint32_t row_stride, float *out,
                     uint32_t out_stride) {
  const uint32_t first_leaf = (1u << depth) - 1;
  uint32_t r = 0;
  /* Eight rows at a time: eight independent walks keep the loads in flight together. */
  for (; r + 8 <= n_rows; r += 8) {
    const float *x0 = rows + (r + 0) * row_stride;
    const float *x1 = rows + (r + 1) * row_stride;
    const float *x2 = rows + (r + 2) * row_stride;
    const float *x3 = rows + (r + 3) * row_stride;
    const float *x4 = rows + (r + 4) * row_stride;
    const float *x5 = rows + (r + 5) * row_stride;
    const float *x6 = rows + (r + 6) * row_stride;
    const float *x7 = rows + (r + 7) * row_stride;
    uint32_t i0 = 0, i1 = 0, i2 = 0, i3 = 0, i4 = 0, i5 = 0, i6 = 0, i7 = 0;
    for (uint32_t d = 0; d < depth; ++d) {
      FF_STEP(i0, x0);
      FF_STEP(i1, x1);
      FF_STEP(i2, x2);
      FF_STEP(i3, x3);
      FF_STEP(i4, x4);
      FF_STEP(i5, x5);
      FF_STEP(i6, x6);
      FF_STEP(i7, x7);
    }
    out[(r + 0) * out_stride] += leaves[i0 - first_leaf];
    out[(r + 1) * out_stride] += leaves[i1 - first_leaf];
    out[(r + 2) * out_stride] += leaves[i2 - first_leaf];
    out[(r + 3) * out_stride] += leaves[i3 - first_leaf];
    out[(r + 4) * out_stride] += leaves[i4 - first_leaf];
    out[(r + 5) * out_stride] += leaves[i5 - first_leaf];
    out[(r + 6) * out_stride] += leaves[i6 - first_leaf];
    out[(r + 7) * out_stride] += leaves[i7 - first_leaf];
  }
  for (; r < n_rows; ++r) {
    const float *x = rows + r * row_stride;
    uint32_t i = 0;
    for (uint32_t d = 0; d < depth; ++d) FF_STEP(i, x);
    out[r * out_stride] += leaves[i - first_leaf];
  }
}

/*
 * One row through every tree, four trees at a time: four independent walks keep the loads in
 * flight together (the single-row case has no other rows to interleave). Leaves are still added
 * one tree at a time, in tree order.
 */
static void add_all_trees_one_row(const uint32_t *model, const float *x, float *out) {
  const uint32_t n_trees = model[FF_N_TREES];
  const uint32_t *trees = model + FF_HEADER_WORDS;
  uint32_t t = 0;
  for (; t + 4 <= n_trees; t += 4) {
    const uint32_t *a = trees + t * FF_TREE_WORDS;
    const uint32_t *b = a + FF_TREE_WORDS;
    const uint32_t *c = b + FF_TREE_WORDS;
    const uint32_t *d = c + FF_TREE_WORDS;
    const ff_node *na = (const ff_node *)(model + a[2]);
    const ff_node *nb = (const ff_node *)(model + b[2]);
    const ff_node *nc = (const ff_node *)(model + c[2]);
    const ff_node *nd = (const ff_node *)(model + d[2]);
    uint32_t ia = 0, ib = 0, ic = 0, id = 0;
    uint32_t common = a[0];
    if (b[0] < common) common = b[0];
    if (c[0] < common) common = c[0];
    if (d[0] < common) common = d[0];
    uint32_t level = 0;
    for (; level < common; ++level) {
      const ff_node *nodes = na;
      FF_STEP(ia, x);
      nodes = nb;
      FF_STEP(ib, x);
      nodes = nc;
      FF_STEP(ic, x);
      nodes = nd;
      FF_STEP(id, x);
    }
    {
      const ff_node *nodes = na;
      for (uint32_t l = level; l < a[0]; ++l) FF_STEP(ia, x);
      nodes = nb;
      for (uint32_t l = level; l < b[0]; ++l) FF_STEP(ib, x);
      nodes = nc;
      for (uint32_t l = level; l < c[0]; ++l) FF_STEP(ic, x);
      nodes = nd;
      for (uint32_t l = level; l < d[0]; ++l) FF_STEP(id, x);
    }
    out[a[1]] += ((const float *)(model + a[3]))[ia - ((1u << a[0]) - 1)];
    out[b[1]] += ((const float *)(model + b[3]))[ib - ((1u << b[0]) - 1)];
    out[c[1]] += ((const float *)(model + c[3]))[ic - ((1u << c[0]) - 1)];
    out[d[1]] += ((const float *)(model + d[3]))[id - ((1u << d[0]) - 1)];
  }
  for (; t < n_trees; ++t) {
    const uint32_t *tree = trees + t * FF_TREE_WORDS;
    const ff_node *nodes = (const ff_node *)(model + tree[2]);
    uint32_t i = 0;
    for (uint32_t l = 0; l < tree[0]; ++l) FF_STEP(i, x);
    out[tree[1]] += ((const float *)(model + tree[3]))[i - ((1u << tree[0]) - 1)];
  }
}

static void transform(uint32_t objective, uint32_t n_groups, float *out, uint32_t n_rows) {
  switch (objective) {
    case FF_OBJ_LOGISTIC:
      for (uint32_t i = 0; i < n_rows * n_groups; ++i) out[i] = sigmoid(out[i]);
      break;
    case FF_OBJ_POISSON:
      for (uint32_t i = 0; i < n_rows * n_groups; ++i) out[i] = expf(out[i]);
      break;
    case FF_OBJ_SOFTPROB:
      for (uint32_t r = 0; r < n_rows; ++r) softmax(out + r * n_groups, n_groups);
      break;
    default:
      break;
  }
}

/*
 * Predicts `n_rows` rows of a dense row-major matrix with `cols` == the model's features.
 * `out` holds n_rows * n_groups floats (n_rows for multi:softmax without output_margin).
 * `scratch` holds ff_scratch_floats(model) floats.
 */
/* Floats of scratch space ff_predict needs: doubled rows of a block, outputs of a block. */
API uint32_t ff_scratch_floats(const uint32_t *model) {
  return FF_ROW_BLOCK * 2 * model[FF_N_FEATURES] + FF_ROW_BLOCK * model[FF_N_GROUPS];
}

API void ff_predict(const uint32_t *model, const float *data, uint32_t n_rows, uint32_t cols,
                    float *out, float *scratch, int output_margin) {
  const uint32_t n_trees = model[FF_N_TREES];
  const uint32_t n_groups = model[FF_N_GROUPS];
  const uint32_t objective = model[FF_OBJECTIVE];
  const float base_margin = as_float(model[FF_BASE_MARGIN]);
  const int argmax = objective == FF_OBJ_SOFTMAX && !output_margin;
  const uint32_t *trees = model + FF_HEADER_WORDS;
  if (cols != model[FF_N_FEATURES]) return; /* the doubled-row indices assume this width */

  for (uint32_t r0 = 0; r0 < n_rows; r0 += FF_ROW_BLOCK) {
    uint32_t block = n_rows - r0 < FF_ROW_BLOCK ? n_rows - r0 : FF_ROW_BLOCK;
    float *doubled = scratch;
    float *acc = argmax ? scratch + FF_ROW_BLOCK * 2 * cols : out + (uint64_t)r0 * n_groups;
    double_rows(data + (uint64_t)r0 * cols, block, cols, doubled);
    for (uint32_t i = 0; i < block * n_groups; ++i) acc[i] = base_margin;
    /* Rows in groups of eight go tree by tree; the last few rows go one by one. */
    const uint32_t grouped = block & ~7u;
    if (grouped > 0) {
      for (uint32_t t = 0; t < n_trees; ++t) {
        const uint32_t *tree = trees + t * FF_TREE_WORDS;
        add_tree((const ff_node *)(model + tree[2]), (const float *)(model + tree[3]), tree[0],
                 doubled, grouped, 2 * cols, acc + tree[1], n_groups);
      }
    }
    for (uint32_t r = grouped; r < block; ++r) {
      add_all_trees_one_row(model, doubled + (uint64_t)r * 2 * cols, acc + r * n_groups);
    }
    if (argmax) {
      /* FindMaxIndex: the first largest value wins. */
      for (uint32_t r = 0; r < block; ++r) {
        const float *p = acc + r * n_groups;
        uint32_t best = 0;
        for (uint32_t g = 1; g < n_groups; ++g) {
          if (p[g] > p[best]) best = g;
        }
        out[r0 + r] = (float)best;
      }
    } else if (!output_margin) {
      transform(objective, n_groups, acc, block);
    }
  }
}
