#!/usr/bin/env bash
# Sampler benchmark: hypertop's TPE next to Python Optuna's, same problems, one table.
#   Benchmarks/sampler.sh [--seeds N] [--trials N]
# Writes Benchmarks/results/sampler.md. Set HYPERTOP_PYTHON to use an existing Python that has
# optuna; otherwise the project's .venv is created with it (scripts/install-deps.sh --python).
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=20
trials=100
while [ $# -gt 0 ]; do
    case "$1" in
        --seeds) seeds="$2"; shift 2 ;;
        --trials) trials="$2"; shift 2 ;;
        *) echo "usage: $0 [--seeds N] [--trials N]" >&2; exit 2 ;;
    esac
done

source Benchmarks/optuna-python.sh

# Builds share the machine: take the lock like every other build.
flock /tmp/hypertop-build.lock swift build -c release --product hypertop-bench >&2
bench="$(swift build -c release --show-bin-path)/hypertop-bench"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$bench" check > "$out/ours_check.json"
"$python" Benchmarks/optuna_sampler_bench.py check > "$out/optuna_check.json"
echo "hypertop: quality ($seeds seeds x $trials trials)..." >&2
"$bench" quality --seeds "$seeds" --trials "$trials" > "$out/ours_quality.json"
# Cost: three rounds, the two sides alternating, so that a busy spell of the (shared) machine
# does not land on one side only; the report takes each side's median over the rounds.
rounds=3
for r in $(seq "$rounds"); do
    echo "hypertop: cost (round $r of $rounds)..." >&2
    "$bench" cost --sizes 100,500,1000,5000 --asks 200 > "$out/ours_cost_$r.json"
    echo "optuna: cost (round $r of $rounds)..." >&2
    "$python" Benchmarks/optuna_sampler_bench.py cost --sizes 100,500,1000,5000 --asks 20 > "$out/optuna_cost_$r.json"
done
ours_cost=$(seq -s, -f "$out/ours_cost_%g.json" "$rounds")
optuna_cost=$(seq -s, -f "$out/optuna_cost_%g.json" "$rounds")
echo "optuna: quality ($seeds seeds x $trials trials)..." >&2
"$python" Benchmarks/optuna_sampler_bench.py quality --seeds "$seeds" --trials "$trials" > "$out/optuna_quality.json"

mkdir -p Benchmarks/results
"$python" Benchmarks/sampler_report.py "$out/ours_quality.json" "$out/optuna_quality.json" \
    "$ours_cost" "$optuna_cost" "$out/ours_check.json" "$out/optuna_check.json" \
    | tee Benchmarks/results/sampler.md
