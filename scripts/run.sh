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
# An editable install leaves the package's bytecode to Python, which does not cache it where
# PYTHONDONTWRITEBYTECODE is set (as on our machines): every run then compiled what it imported
# (all of pipeline/ is 0.5 s of CPU; about 0.4 s of a one-paper --update). Compiled once here,
# as pip does for a regular install.
.venv/bin/python -m compileall -q pipeline
.venv/bin/litmap run --corpus corpora "$@"
