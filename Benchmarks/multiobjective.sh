#!/usr/bin/env bash
# Multi-objective sampler benchmark: hypertop's TPE, NSGA-II and random next to Python Optuna's on
# ZDT1, ZDT2, DTLZ2 and a mixed problem (hypervolume after 50/100/200 trials), their cost per ask,
# and CMA-ES and QMC on the single-objective problems of sampler.sh.
#   Benchmarks/multiobjective.sh [--seeds N] [--so-seeds N]   -> Benchmarks/results/sampler-mo.md
# Set HYPERTOP_PYTHON to use an existing Python that has optuna (and cmaes, for CmaEsSampler);
# otherwise the project's .venv is created with it (scripts/install-deps.sh --python).
set -euo pipefail
cd "$(dirname "$0")/.."
# 50 seeds: with 20, two samplers drawing from one distribution put one median outside the
# other's interquartile range in about one comparison of five; with 50, in few (the random rows
# of the report show it). Optuna's TPE takes most of the time: about 15 minutes in all on 2 cores.
seeds=50
so_seeds=50
while [ $# -gt 0 ]; do
    case "$1" in
        --seeds) seeds="$2"; shift 2 ;;
        --so-seeds) so_seeds="$2"; shift 2 ;;
        *) echo "usage: $0 [--seeds N] [--so-seeds N]" >&2; exit 2 ;;
    esac
done

source Benchmarks/optuna-python.sh
if ! "$python" -c "import cmaes" 2>/dev/null; then
    echo "Installing cmaes for Optuna's CmaEsSampler..." >&2
    "$python" -m pip install -q cmaes >&2
fi

# Builds share the machine: take the lock like every other build.
flock /tmp/hypertop-build.lock swift build -c release --product hypertop-bench >&2
bench="$(swift build -c release --show-bin-path)/hypertop-bench"
optuna_bench=("$python" Benchmarks/optuna_mo_bench.py)

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
mkdir -p Benchmarks/results
start=$SECONDS

"$bench" mo-check > "$out/ours_check.json"
"${optuna_bench[@]}" mo-check > "$out/optuna_check.json"
# Cost first, while nothing else runs: three rounds, the two sides alternating, so that a busy
# spell of the (shared) machine does not land on one side only.
rounds=3
for r in $(seq "$rounds"); do
    echo "hypertop and optuna: mo cost (round $r of $rounds)..." >&2
    "$bench" mo-cost --sizes 100,1000 --asks 200 --samplers tpe,nsgaii,random > "$out/ours_cost_$r.json"
    "${optuna_bench[@]}" mo-cost --sizes 100,1000 --asks 20 --samplers tpe,nsgaii,random > "$out/optuna_cost_$r.json"
done
echo "hypertop: mo quality ($seeds seeds x 200 trials) and so quality ($so_seeds seeds x 100 trials)..." >&2
"$bench" mo-quality --seeds "$seeds" --trials 200 > "$out/ours_mo.json"
"$bench" so-quality --seeds "$so_seeds" --trials 100 > "$out/ours_so.json"
echo "optuna: mo quality ($seeds seeds x 200 trials)..." >&2
"${optuna_bench[@]}" mo-quality --seeds "$seeds" --trials 200 > "$out/optuna_mo.json"
echo "optuna: so quality ($so_seeds seeds x 100 trials)..." >&2
"${optuna_bench[@]}" so-quality --seeds "$so_seeds" --trials 100 > "$out/optuna_so.json"

cpu="$( (grep -m1 'model name' /proc/cpuinfo 2>/dev/null || sysctl -n machdep.cpu.brand_string 2>/dev/null || echo 'unknown CPU') | sed 's/.*: //')"
machine="$cpu, $(getconf _NPROCESSORS_ONLN) cores, $(uname -s) $(uname -m); $("$python" -c 'import optuna, cmaes, sys; print(f"Python {sys.version.split()[0]}, Optuna {optuna.__version__}, cmaes {cmaes.__version__}")'); $(date -u +%Y-%m-%d); the whole script took $(( (SECONDS - start) / 60 )) min"
"$python" Benchmarks/mo_report.py "$out/ours_mo.json" "$out/optuna_mo.json" \
    "$(seq -s, -f "$out/ours_cost_%g.json" "$rounds")" "$(seq -s, -f "$out/optuna_cost_%g.json" "$rounds")" \
    "$out/ours_so.json" "$out/optuna_so.json" "$out/ours_check.json" "$out/optuna_check.json" "$machine" \
    | tee Benchmarks/results/sampler-mo.md
