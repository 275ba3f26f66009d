#!/usr/bin/env bash
# The README's second command, and what CI runs: install what the tests need, then run them all.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --python
export HYPERTOP_PYTHON="$PWD/.venv/bin/python"
swift build --build-tests
swift test --skip-build
