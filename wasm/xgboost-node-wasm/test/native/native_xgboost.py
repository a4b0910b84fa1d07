"""Native side of the parity tests: Debian's python3-xgboost 1.7.4, run by /usr/bin/python3.

Reads a JSON request (or a list of them, run in order in one process, since importing
xgboost costs about a second) on stdin and writes the answer (or list of answers) on stdout. Matrices travel as raw
little-endian float32 files, row-major, NaN for missing.

  {"op": "train", "data": F, "rows": R, "cols": C, "labels": F, "params": {...},
   "rounds": N, "model_out": {"json": F, "ubj": F}}
  {"op": "predict", "model": F, "data": F, "rows": R, "cols": C, "out": F, "output_margin": B}
"""
import json
import sys

import numpy as np
import xgboost as xgb


def read_matrix(path, rows, cols):
    return np.fromfile(path, dtype="<f4").reshape(rows, cols)


def handle(request):
    answer = {"xgboost_version": xgb.__version__}
    if request["op"] == "train":
        x = read_matrix(request["data"], request["rows"], request["cols"])
        y = np.fromfile(request["labels"], dtype="<f4")
        dtrain = xgb.DMatrix(x, label=y, missing=np.nan)
        params = dict(request["params"])
        params.setdefault("nthread", 1)
        booster = xgb.train(params, dtrain, num_boost_round=request["rounds"])
        for fmt, path in request["model_out"].items():
            assert path.endswith("." + fmt), "XGBoost picks the format from the file extension"
            booster.save_model(path)
    elif request["op"] == "predict":
        booster = xgb.Booster(model_file=request["model"])
        x = read_matrix(request["data"], request["rows"], request["cols"])
        booster.set_param({"nthread": 1})
        preds = booster.predict(
            xgb.DMatrix(x, missing=np.nan), output_margin=bool(request.get("output_margin"))
        )
        np.ascontiguousarray(preds, dtype="<f4").tofile(request["out"])
        answer["shape"] = list(preds.shape)
    else:
        raise SystemExit("unknown op " + request["op"])
    return answer


def main():
    request = json.load(sys.stdin)
    if isinstance(request, list):
        json.dump([handle(r) for r in request], sys.stdout)
    else:
        json.dump(handle(request), sys.stdout)


if __name__ == "__main__":
    main()
