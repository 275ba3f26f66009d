#!/usr/bin/env bash
# Sampler benchmark: hypertop's samplers next to Python Optuna's, same problems.
#   Benchmarks/sampler.sh [--part tpe|gp|all] [--seeds N] [--trials N] [--gp-seeds N]
# tpe: TPE and random at 25/50/100 trials and cost at 100..5000 trials -> Benchmarks/results/sampler.md
# gp:  GP (and TPE) at 8/16/32/64 trials against Optuna's GPSampler, cost per ask at 16..128 trials
#      -> Benchmarks/results/sampler-gp.md (installs torch, from the local wheel folder, and scipy).
# Set HYPERTOP_PYTHON to use an existing Python that has optuna; otherwise the project's .venv is
# created with it (scripts/install-deps.sh --python).
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=20
trials=100
gp_seeds=16
part=all
while [ $# -gt 0 ]; do
    case "$1" in
        --seeds) seeds="$2"; shift 2 ;;
        --trials) trials="$2"; shift 2 ;;
        --gp-seeds) gp_seeds="$2"; shift 2 ;;
        --part) part="$2"; shift 2 ;;
        *) echo "usage: $0 [--part tpe|gp|all] [--seeds N] [--trials N] [--gp-seeds N]" >&2; exit 2 ;;
    esac
done
case "$part" in tpe|gp|all) ;; *) echo "$0: --part is tpe, gp or all, not '$part'" >&2; exit 2 ;; esac

source Benchmarks/optuna-python.sh

# Builds share the machine: take the lock like every other build.
flock /tmp/hypertop-build.lock swift build -c release --product hypertop-bench >&2
bench="$(swift build -c release --show-bin-path)/hypertop-bench"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
mkdir -p Benchmarks/results

if [ "$part" != tpe ]; then
    # Optuna's GPSampler needs torch and scipy (and runs its local searches batched with greenlet).
    if ! "$python" -c "import torch, scipy, greenlet" 2>/dev/null; then
        echo "Installing torch, scipy and greenlet for Optuna's GPSampler..." >&2
        "$python" -m pip install -q torch scipy greenlet >&2
    fi
    # Cost first, while nothing else runs; quality results do not depend on the machine's load.
    for r in 1 2 3; do
        echo "hypertop and optuna: gp cost (round $r of 3)..." >&2
        "$bench" gp-cost --sizes 16,32,64,128 --asks 20 > "$out/ours_gp_cost_$r.json"
        "$python" Benchmarks/optuna_sampler_bench.py gp-cost --sizes 16,32,64,128 --asks 5 > "$out/optuna_gp_cost_$r.json"
    done
    echo "hypertop: gp quality ($gp_seeds seeds x 64 trials)..." >&2
    "$bench" gp-quality --seeds "$gp_seeds" --trials 64 > "$out/ours_gp_quality.json"
    echo "optuna: gp quality ($gp_seeds seeds x 64 trials)..." >&2
    "$python" Benchmarks/optuna_sampler_bench.py gp-quality --seeds "$gp_seeds" --trials 64 > "$out/optuna_gp_quality.json"
    "$python" Benchmarks/gp_report.py "$out/ours_gp_quality.json" "$out/optuna_gp_quality.json" \
        "$(seq -s, -f "$out/ours_gp_cost_%g.json" 3)" "$(seq -s, -f "$out/optuna_gp_cost_%g.json" 3)" \
        | tee Benchmarks/results/sampler-gp.md
fi
[ "$part" = gp ] && exit 0
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

"$python" Benchmarks/sampler_report.py "$out/ours_quality.json" "$out/optuna_quality.json" \
    "$ours_cost" "$optuna_cost" "$out/ours_check.json" "$out/optuna_check.json" \
    | tee Benchmarks/results/sampler.md
