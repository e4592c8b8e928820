#!/usr/bin/env bash
# Install litmap with its test extras (and the browser the report test drives), then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e '.[test]'
python3 -m pytest -q
