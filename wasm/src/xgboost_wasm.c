/*
 * A thin C layer over XGBoost's C API for JavaScript.
 *
 * Why it exists: the C API speaks 64-bit lengths (bst_ulong) and out-parameters; on wasm32
 * JavaScript would have to handle BigInt for every length. Here every length is a 32-bit
 * value and every call returns 0 on success or -1 with XGBGetLastError() holding the message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emscripten/emscripten.h>
#include <xgboost/c_api.h>

#define API EMSCRIPTEN_KEEPALIVE

/* Results that outlive one call but not the next one of the same kind. */
static bst_ulong g_out_len;
static uint32_t g_out_dims[4];

API const char *xgbw_last_error(void) { return XGBGetLastError(); }

API uint32_t xgbw_out_len(void) { return (uint32_t)g_out_len; }

API const uint32_t *xgbw_out_dims(void) { return g_out_dims; }

API int xgbw_set_global_config(const char *json) { return XGBSetGlobalConfig(json); }

API int xgbw_dmatrix_create_dense(const float *data, uint32_t rows, uint32_t cols, float missing,
                                  DMatrixHandle *out) {
  return XGDMatrixCreateFromMat(data, rows, cols, missing, out);
}

API int xgbw_dmatrix_set_float_info(DMatrixHandle handle, const char *field, const float *values,
                                    uint32_t len) {
  return XGDMatrixSetFloatInfo(handle, field, values, len);
}

API int xgbw_dmatrix_num_row(DMatrixHandle handle, uint32_t *out) {
  bst_ulong n = 0;
  int rc = XGDMatrixNumRow(handle, &n);
  *out = (uint32_t)n;
  return rc;
}

API int xgbw_dmatrix_num_col(DMatrixHandle handle, uint32_t *out) {
  bst_ulong n = 0;
  int rc = XGDMatrixNumCol(handle, &n);
  *out = (uint32_t)n;
  return rc;
}

API int xgbw_dmatrix_free(DMatrixHandle handle) { return XGDMatrixFree(handle); }

API int xgbw_booster_create(const DMatrixHandle *mats, uint32_t n, BoosterHandle *out) {
  return XGBoosterCreate(mats, n, out);
}

API int xgbw_booster_free(BoosterHandle handle) { return XGBoosterFree(handle); }

API int xgbw_booster_set_param(BoosterHandle handle, const char *name, const char *value) {
  return XGBoosterSetParam(handle, name, value);
}

API int xgbw_booster_update(BoosterHandle handle, int iteration, DMatrixHandle dtrain) {
  return XGBoosterUpdateOneIter(handle, iteration, dtrain);
}

API int xgbw_booster_eval(BoosterHandle handle, int iteration, DMatrixHandle *mats,
                          const char **names, uint32_t n, const char **out) {
  return XGBoosterEvalOneIter(handle, iteration, mats, names, n, out);
}

API int xgbw_booster_boosted_rounds(BoosterHandle handle, int *out) {
  return XGBoosterBoostedRounds(handle, out);
}

API int xgbw_booster_num_feature(BoosterHandle handle, uint32_t *out) {
  bst_ulong n = 0;
  int rc = XGBoosterGetNumFeature(handle, &n);
  *out = (uint32_t)n;
  return rc;
}

/* The buffer belongs to the booster until its next call; its length is in xgbw_out_len(). */
API int xgbw_booster_save(BoosterHandle handle, const char *config, const char **out) {
  return XGBoosterSaveModelToBuffer(handle, config, &g_out_len, out);
}

API int xgbw_booster_load(BoosterHandle handle, const void *buffer, uint32_t len) {
  return XGBoosterLoadModelFromBuffer(handle, buffer, len);
}

API int xgbw_booster_save_config(BoosterHandle handle, const char **out) {
  return XGBoosterSaveJsonConfig(handle, &g_out_len, out);
}

/*
 * XGBoost's own in-place predictor over a dense row-major float32 matrix: the reference path.
 * The result belongs to the booster; its shape is in xgbw_out_dims() (rank in xgbw_out_len()).
 */
API int xgbw_booster_predict_dense(BoosterHandle handle, const float *data, uint32_t rows,
                                   uint32_t cols, const char *config, const float **out) {
  char array_interface[160];
  snprintf(array_interface, sizeof array_interface,
           "{\"data\":[%lu,true],\"shape\":[%u,%u],\"typestr\":\"<f4\",\"version\":3}",
           (unsigned long)(uintptr_t)data, rows, cols);
  const bst_ulong *shape = NULL;
  bst_ulong dim = 0;
  int rc = XGBoosterPredictFromDense(handle, array_interface, config, NULL, &shape, &dim, out);
  if (rc != 0) return rc;
  g_out_len = dim;
  for (bst_ulong i = 0; i < dim && i < 4; ++i) g_out_dims[i] = (uint32_t)shape[i];
  return 0;
}

/*
 * Feature importance. Writes the number of features to *out_n; names and scores stay owned by
 * the booster until its next call. Scores are one per feature for the usual importance types.
 */
API int xgbw_booster_feature_score(BoosterHandle handle, const char *config, uint32_t *out_n,
                                   const char ***out_names, const float **out_scores) {
  bst_ulong n_features = 0;
  bst_ulong dim = 0;
  const bst_ulong *shape = NULL;
  int rc = XGBoosterFeatureScore(handle, config, &n_features, out_names, &dim, &shape, out_scores);
  if (rc != 0) return rc;
  *out_n = (uint32_t)n_features;
  g_out_len = dim;
  for (bst_ulong i = 0; i < dim && i < 4; ++i) g_out_dims[i] = (uint32_t)shape[i];
  return 0;
}
