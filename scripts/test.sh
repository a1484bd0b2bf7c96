#!/usr/bin/env bash
# Install everything the tests need, then run ruff, mypy and the whole test suite.
# Needs Python 3.11+; installs Debian's Chromium with apt-get when it is missing (as root,
# or through sudo). Browser tests FAIL, never skip, when Chromium is not there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

.venv/bin/ruff check sheets_sync web tests benchmarks
.venv/bin/mypy
# pytest exits 5 when it collected no test: that is a failure here too (set -e).
.venv/bin/python -m pytest "$@"
