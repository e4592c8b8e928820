#!/usr/bin/env bash
# Install litmap and run it on corpora/ (the report lands in reports/latest/).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e .
litmap run --corpus corpora "$@"
