#!/bin/sh
# Makes sure Debian's native XGBoost 1.7.4 (python3-xgboost) is importable by /usr/bin/python3,
# for the parity tests and the benchmark. Idempotent: does nothing when it already is.
set -eu

have_native() {
  /usr/bin/python3 -c 'import numpy, xgboost; assert xgboost.__version__ == "1.7.4", xgboost.__version__' >/dev/null 2>&1
}

if have_native; then
  exit 0
fi

echo "ensure-native-xgboost: installing python3-xgboost and python3-numpy with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q python3-xgboost python3-numpy >&2; then
  apt-get update -q >&2
  apt-get install -y -q python3-xgboost python3-numpy >&2
fi

if ! have_native; then
  echo "ensure-native-xgboost: /usr/bin/python3 still cannot import xgboost 1.7.4" >&2
  exit 1
fi
