#!/usr/bin/env bash
# The README's second command, and what CI runs: install what the tests need, then run them all.
#   scripts/test.sh          everything, as CI runs it
#   scripts/test.sh --fast   the unit lane for the edit-test loop (about a minute): no installs, no Slurm,
#                            no end-to-end tests of the binary or the terminal; tests whose tool is
#                            missing skip (outside CI)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--fast" ]; then
  [ -x .venv/bin/python ] && export HYPERTOP_PYTHON="$PWD/.venv/bin/python"
  swift build --build-tests
  exec swift test --skip-build --disable-swift-testing --skip HypertopCLITests --skip RunnerEndToEndTests
fi
scripts/install-deps.sh --python
# A one-node Slurm for the tests of the Slurm launcher (installs slurm-wlm and munge, starts the daemons).
scripts/slurm-up.sh
export HYPERTOP_PYTHON="$PWD/.venv/bin/python"
swift build --build-tests
# The demo job in release, for the end-to-end sweep of it with ASHA (its debug build trains ~80x slower).
swift build -c release --product reach-trainer
# The wheel (static, release), which WheelTests installs into a fresh virtual environment.
scripts/wheel.sh
# The tests are XCTest; the Swift Testing runner would only add a "0 tests" line.
log=$(mktemp)
set +e
swift test --skip-build --disable-swift-testing 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -1)
total=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")
skipped=$(grep -cE "Test Case .* skipped" "$log" || true)
rm -f "$log"
if [ -n "$summary" ]; then
  echo "$((total - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
exit "$status"
