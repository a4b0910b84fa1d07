"""Native side of the xgboost-node-wasm benchmark: Debian's python3-xgboost 1.7.4, one thread.

A long-lived process driven by bench/xgboost/predict-and-train-vs-native.ts: one JSON request
per stdin line, one JSON answer per stdout line, so that native and wasm runs can interleave.
Matrices are raw little-endian float32 files, row-major, NaN for missing.
"""
import ctypes
import json
import sys
import time

import numpy as np
import xgboost as xgb

state = {}


def matrix(path, rows, cols):
    return np.fromfile(path, dtype="<f4").reshape(rows, cols)


def handle(req):
    op = req["op"]
    if op == "data":
        state["x"] = matrix(req["path"], req["rows"], req["cols"])
        if "labels" in req:
            state["y"] = np.fromfile(req["labels"], dtype="<f4")
        return {}
    if op == "train_model":
        # Makes the benchmark model; its own training time is not a measurement.
        params = dict(req["params"])
        dtrain = xgb.DMatrix(state["x"], label=state["y"], missing=np.nan)
        booster = xgb.train(params, dtrain, num_boost_round=req["rounds"])
        booster.save_model(req["out"])
        return {}
    if op == "load":
        state["booster"] = xgb.Booster(model_file=req["model"])
        state["booster"].set_param({"nthread": 1})
        return {}
    if op == "predict_batch":
        x = state["x"]
        started = time.perf_counter()
        out = state["booster"].inplace_predict(x, missing=np.nan)
        seconds = time.perf_counter() - started
        if req.get("out"):
            np.ascontiguousarray(out, dtype="<f4").tofile(req["out"])
        return {"ms": seconds * 1e3}
    if op == "predict_row":
        x = state["x"]
        booster = state["booster"]
        n = req["calls"]
        rows = [x[i % x.shape[0]: i % x.shape[0] + 1] for i in range(n)]
        started = time.perf_counter()
        for row in rows:
            booster.inplace_predict(row, missing=np.nan)
        return {"us_per_call": (time.perf_counter() - started) / n * 1e6}
    if op == "predict_row_capi":
        # The same single-row call straight through XGBoost's C API (ctypes), without the
        # Python wrapper's per-call work: closer to what a C caller of libxgboost pays.
        x = state["x"]
        booster = state["booster"]
        n = req["calls"]
        rows = [np.ascontiguousarray(x[i % x.shape[0]: i % x.shape[0] + 1]) for i in range(n)]
        interfaces = [
            json.dumps(
                {
                    "data": [row.ctypes.data, True],
                    "shape": [1, x.shape[1]],
                    "typestr": "<f4",
                    "version": 3,
                }
            ).encode()
            for row in rows
        ]
        config = json.dumps(
            {
                "type": 0,
                "training": False,
                "iteration_begin": 0,
                "iteration_end": 0,
                "strict_shape": False,
                "cache_id": 0,
                "missing": float("nan"),
            }
        ).encode()
        lib = xgb.core._LIB
        shape = ctypes.POINTER(ctypes.c_uint64)()
        dim = ctypes.c_uint64()
        result = ctypes.POINTER(ctypes.c_float)()
        predict = lib.XGBoosterPredictFromDense
        handle = booster.handle
        refs = (ctypes.byref(shape), ctypes.byref(dim), ctypes.byref(result))
        started = time.perf_counter()
        for interface in interfaces:
            if predict(handle, interface, config, None, *refs) != 0:
                raise RuntimeError(lib.XGBGetLastError().decode())
        return {"us_per_call": (time.perf_counter() - started) / n * 1e6}
    if op == "train":
        x = state["x"][: req["rows"]]
        y = state["y"][: req["rows"]]
        started = time.perf_counter()
        dtrain = xgb.DMatrix(x, label=y, missing=np.nan)
        xgb.train(dict(req["params"]), dtrain, num_boost_round=req["rounds"])
        return {"ms": (time.perf_counter() - started) * 1e3}
    raise ValueError("unknown op " + op)


def main():
    for line in sys.stdin:
        try:
            answer = handle(json.loads(line))
        except Exception as error:  # reported to the driver, which stops
            answer = {"error": repr(error)}
        answer["xgboost_version"] = xgb.__version__
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
