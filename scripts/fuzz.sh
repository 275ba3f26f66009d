#!/usr/bin/env bash
# A long fuzz run of every *FuzzTests class (the CI runs the same tests at scale 1 with a fixed
# seed): the config loader (hostile values, non-finite numbers, wide, bidi and combining text in
# names and choices, then a few sampled trials with non-finite scores), the metric parsers (JSON
# lines against Python's json, CSV, stdout), the dashboard's buffer (wide, combining, control and
# bidi text), and the request directory (mutated, random, huge sparse, FIFO, link and odd-named
# entries). Each round uses a new seed, printed so a failure can be replayed with
# HYPERTOP_FUZZ_SEED=<seed> swift test --filter FuzzTests.
#   scripts/fuzz.sh [--minutes N] [--scale N]      (defaults: 10 minutes, scale 20)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10
scale=20
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) minutes="$2"; shift 2 ;;
        --scale) scale="$2"; shift 2 ;;
        *) echo "usage: $0 [--minutes N] [--scale N]" >&2; exit 2 ;;
    esac
done
flock /tmp/hypertop-build.lock swift build --build-tests >&2
end=$(( $(date +%s) + minutes * 60 ))
rounds=0
while [ "$(date +%s)" -lt "$end" ]; do
    seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
    echo "round $((rounds + 1)): HYPERTOP_FUZZ_SEED=$seed HYPERTOP_FUZZ_SCALE=$scale"
    if ! HYPERTOP_FUZZ_SEED="$seed" HYPERTOP_FUZZ_SCALE="$scale" swift test --skip-build --disable-swift-testing --filter FuzzTests > /tmp/hypertop-fuzz.log 2>&1; then
        grep -aE "error|failed" /tmp/hypertop-fuzz.log | head -20
        echo "FAILED with HYPERTOP_FUZZ_SEED=$seed HYPERTOP_FUZZ_SCALE=$scale (full log: /tmp/hypertop-fuzz.log)"
        exit 1
    fi
    rounds=$((rounds + 1))
done
echo "$rounds round(s) at scale $scale, no failure"
