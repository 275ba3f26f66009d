#!/usr/bin/env bash
# The README's first command: install, build, and run a live sweep of the bundled demo job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product hypertop
swift build -c release --product reach-trainer
exec .build/release/hypertop run "${1:-conf/performance/Reach/sac-opti.yaml}"
