#!/usr/bin/env bash
# Install litmap with its test extras into the project's virtual environment .venv (Debian and
# Ubuntu refuse `pip install` into the system Python, PEP 668), and the browser the report test
# drives, then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# The browser test needs Chromium, its driver and a CJK font (Debian packages). Install them only
# when missing, and only as root (CI); elsewhere the browser test skips and says why.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 || need+=(fonts-noto-cjk)
# WeasyPrint (test PDFs from another typesetter, tests/typeset.py) loads Pango at run time.
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || need+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' || need+=(libpangoft2-1.0-0)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The project's virtual environment. Debian's python3 makes one only with python3-venv (which
# carries pip for it): installed here as root, else the message says what to install.
if [ ! -x .venv/bin/pip ] && ! python3 -m venv .venv >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
        python3 -m venv .venv
    else
        echo "could not create .venv: on Debian/Ubuntu install python3-venv (sudo apt-get install python3-venv)" >&2
        exit 1
    fi
fi
.venv/bin/python -m pip install -q -e '.[test]'
.venv/bin/python -m pytest -q "$@"
