#!/usr/bin/env bash
# Runs the Python client's tests: a venv at .venv-test (made once, reused), pytest,
# tensorboardX (SummaryWriter interception) and pandas (Trackio's Table from a DataFrame) from
# PyPI, and ./clients/python installed as a user would (not editable). torch, transformers and
# Lightning are too heavy to install here: their tests skip, and the logic under them is
# tested through stand-ins.
# Needs `npm run build` first: the tests read back through packages/server/dist/cli/main.js.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-test
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check pytest tensorboardX pandas
"$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps ./clients/python
# Run from the tests folder so the installed package, not the source tree, is imported.
cd clients/python/tests
exec "../../../$venv/bin/python" -m pytest -q -p no:cacheprovider "$@" .
