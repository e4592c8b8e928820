#!/usr/bin/env bash
# Install litmap with its test extras (and the browser the report test drives), then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# The browser test needs Chromium, its driver and a CJK font (Debian packages). Install them only
# when missing, and only as root (CI); elsewhere the browser test skips and says why.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
python3 -m pip install -q -e '.[test]'
python3 -m pytest -q
