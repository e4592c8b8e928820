#!/usr/bin/env bash
# Install litmap into the project's virtual environment .venv and run it on corpora/ (the report
# lands in reports/latest/). A virtual environment because Debian and Ubuntu refuse `pip install`
# into the system Python (PEP 668); nothing is installed outside .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/pip ] && ! python3 -m venv .venv; then
    echo "could not create .venv: on Debian/Ubuntu install python3-venv (sudo apt-get install python3-venv)" >&2
    exit 1
fi
.venv/bin/python -m pip install -q -e .
.venv/bin/litmap run --corpus corpora "$@"
