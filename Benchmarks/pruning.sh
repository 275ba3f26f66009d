#!/usr/bin/env bash
# Pruners and repeat rules on simulated noisy learning curves with known truth (an early peak, a
# higher late riser that stays flat until 60% of training, plateaus, seed and evaluation noise):
#   - 40 trials of 20 evaluations, 4 at a time, asynchronous: no pruning, median, ASHA,
#     hyperband, patient(median): the true value of the set chosen and the evaluations spent,
#     by hypertop's pruners and, on the very same curves in the same order, by Python Optuna's own;
#   - 8 sets of known truth (0.80, 0.77, 0.74, ...; seed noise 0.05): fixed repeats (5 each)
#     against adaptive repeats (2 to 5, racing): how often the truly best set is chosen, and the runs.
#   Benchmarks/pruning.sh [--seeds N]
# Writes Benchmarks/results/pruning.md. Uses .venv's optuna (scripts/install-deps.sh --python).
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=24
while [ $# -gt 0 ]; do
    case "$1" in
        --seeds) seeds="$2"; shift 2 ;;
        *) echo "usage: $0 [--seeds N]" >&2; exit 2 ;;
    esac
done
source Benchmarks/optuna-python.sh
flock /tmp/hypertop-build.lock swift build -c release --product hypertop-bench >&2
bench="$(swift build -c release --show-bin-path)/hypertop-bench"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "hypertop: $seeds seeds..." >&2
"$bench" pruning --seeds "$seeds" --trials 40 > "$work/ours.json"
echo "optuna: $seeds seeds..." >&2
"$python" Benchmarks/optuna_pruning_bench.py "$seeds" 40 > "$work/theirs.json"
mkdir -p Benchmarks/results
"$python" - "$work/ours.json" "$work/theirs.json" <<'PY' | tee Benchmarks/results/pruning.md
import json, statistics, sys
ours, theirs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert ours["check"]["curve"] == theirs["check"]["curve"], "the two sides draw different curves"
def med(rows, key): return statistics.median(r[key] for r in rows)
def q(rows, key, p):
    xs = sorted(r[key] for r in rows)
    return xs[int(p * (len(xs) - 1))]
seeds = len(ours["pruning"]["none"])
print("# Pruning and repeats on simulated noisy learning curves")
print()
print(f"Curves with known truth (Sources/hypertop-bench/Pruning.swift, drawn bit for bit alike by "
      f"Benchmarks/optuna_pruning_bench.py): an early peak (0.90), a higher late riser (0.95, flat until 60% of training), "
      f"plateaus, seed noise 0.04 and evaluation noise 0.03. 40 trials of 20 evaluations, 4 at a time, asynchronous "
      f"(an evaluation takes one time unit; a pruned trial's slot is refilled at once); the set chosen is the complete trial "
      f"with the best last value. {seeds} seeds; medians, interquartile range in brackets. Optuna {theirs['optuna']}, "
      f"the same pruner settings, the same curves in the same order.")
print()
print("| pruner | true value of the set chosen | paired difference vs none | evaluations spent | saved vs none | trials pruned | Optuna: true value | Optuna: evaluations | same outcome as Optuna |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
none = ours["pruning"]["none"]
base = med(none, "evaluations")
for name in ["none", "median", "asha", "hyperband", "patient(median)"]:
    a, b = ours["pruning"][name], theirs["pruning"][name]
    none = ours["pruning"]["none"]
    same = sum(1 for x, y in zip(a, b) if x["evaluations"] == y["evaluations"] and x["truth"] == y["truth"] and x["pruned"] == y["pruned"])
    diffs = sorted(x["truth"] - y["truth"] for x, y in zip(a, none))
    worse = sum(1 for d in diffs if d < 0)
    print(f"| {name} | {med(a, 'truth'):.3f} [{q(a, 'truth', .25):.3f}, {q(a, 'truth', .75):.3f}] | "
          f"{statistics.median(diffs):+.3f} (worse on {worse}/{len(diffs)}) | {med(a, 'evaluations'):.0f} | "
          f"{1 - med(a, 'evaluations') / base:.0%} | {med(a, 'pruned'):.0f} | {med(b, 'truth'):.3f} | {med(b, 'evaluations'):.0f} | {same}/{len(a)} seeds |")
print()
print("With 2 runs per set (20 sets x 2 runs = 40 trials unpruned): hypertop prunes the runs as a set (a repeat is judged on "
      "its set's mean curve; a pruned set's runs not yet started are dropped and the budget goes to new sets); on the Optuna "
      "side the repeat loop is written on top (each set's parameters run twice as trials of their own, each pruned alone). "
      "The set chosen is the best mean of its complete runs.")
print()
print("| pruner | hypertop: true value | hypertop: evaluations | Optuna + repeat loop: true value | Optuna + repeat loop: evaluations |")
print("| --- | --- | --- | --- | --- |")
for name in ["none", "median", "asha", "hyperband", "patient(median)"]:
    a, b = ours["pruning"][name + ", 2 runs per set"], theirs["pruning"][name + ", 2 runs per set"]
    print(f"| {name} | {med(a, 'truth'):.3f} [{q(a, 'truth', .25):.3f}, {q(a, 'truth', .75):.3f}] | {med(a, 'evaluations'):.0f} | "
          f"{med(b, 'truth'):.3f} [{q(b, 'truth', .25):.3f}, {q(b, 'truth', .75):.3f}] | {med(b, 'evaluations'):.0f} |")
print()
rep = ours["repeats"]
n = len(rep["fixed"])
print(f"Repeats: 8 parameter sets of true value 0.80, 0.77, 0.74, 0.70, 0.62, 0.55, 0.50, 0.40, each run's score its set's "
      f"value plus seed noise (sd 0.05); the set chosen is the best mean. {n} seeds.")
print()
print("| repeats | truly best set chosen | runs spent (median) | runs saved |")
print("| --- | --- | --- | --- |")
fixed_runs = med(rep["fixed"], "runs")
for name, label in [("fixed", "fixed: `min = max_trials_per_param = 5`"), ("adaptive", "adaptive: `repeats: adaptive`, 2 to 5")]:
    rows = rep[name]
    share = sum(1 for r in rows if r["best_chosen"]) / len(rows)
    print(f"| {label} | {share:.0%} | {med(rows, 'runs'):.0f} | {1 - med(rows, 'runs') / fixed_runs:.0%} |")
PY
