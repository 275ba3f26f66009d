#!/usr/bin/env bash
# `hypertop report` on large studies: time and peak memory at 2,500, 5,000 and 10,000 trials, to
# show it grows linearly (issue 27, L2: it was quadratic, 33.5 s at 10,000 trials). Next to it, on
# the same files: `hypertop best` (one load of the study) and Python optuna loading the study and
# computing the same PED-ANOVA importances the report shows.
#   Benchmarks/report.sh [--runs N]      (median of N runs, default 3)
# Writes Benchmarks/results/report.md. PNG conversion is left out (rsvg-convert hidden from PATH):
# it is rsvg's time, not hypertop's.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
[ "${1:-}" = "--runs" ] && runs="$2"
source Benchmarks/optuna-python.sh

flock /tmp/hypertop-build.lock swift build -c release --product hypertop >&2
flock /tmp/hypertop-build.lock swift build -c release --product store-bench >&2
bin="$(swift build -c release --show-bin-path)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
for tool in python3 env; do ln -s "$(command -v $tool)" "$work/bin/$tool"; done
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

measure() {  # prints "seconds peak_kb" of one run of the command, under the build lock (CPU-bound)
    flock /tmp/hypertop-build.lock /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    cat "$work/time"
}
rows=()
for n in 2500 5000 10000; do
    echo "making a study of $n trials..." >&2
    "$bin/store-bench" --make "$work/s$n.db" "$n"
    for i in $(seq "$runs"); do
        r="$(measure env PATH="$work/bin" "$bin/hypertop" report open --storage "$work/s$n.db" --out "$work/r$n")"
        b="$(measure "$bin/hypertop" best open --storage "$work/s$n.db")"
        p="$(measure "$python" - "$work/s$n.db" <<'PY'
import sys, optuna
from optuna.importance import PedAnovaImportanceEvaluator, get_param_importances
optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.load_study(study_name="open", storage=f"sqlite:///{sys.argv[1]}")
get_param_importances(study, evaluator=PedAnovaImportanceEvaluator())
PY
)"
        rows+=("$n $r $b $p")
    done
done

mkdir -p Benchmarks/results
"$python" - "$load_before" "$runs" "${rows[@]}" <<'PY' | tee Benchmarks/results/report.md
import platform, statistics, subprocess, sys
load, runs = sys.argv[1], int(sys.argv[2])
by = {}
for row in sys.argv[3:]:
    n, rs, rk, bs, bk, ps, pk = row.split()
    by.setdefault(int(n), []).append((float(rs), int(rk), float(bs), int(bk), float(ps), int(pk)))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print("# `hypertop report` on large studies\n")
print(f"Machine: {cpu}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores. "
      f"Load average before the run: {load}. Median of {runs} runs each; release build; SVG only (rsvg-convert hidden). "
      "Regenerate with `Benchmarks/report.sh`.\n")
print("| trials | `hypertop report` | peak RSS | `hypertop best` (one load) | report / best | Python optuna: `load_study` + PED-ANOVA importances | report µs per trial |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for n in sorted(by):
    med = lambda i: statistics.median(r[i] for r in by[n])
    print(f"| {n:,} | {med(0):.2f} s | {med(1) / 1024:.0f} MB | {med(2):.2f} s | {med(0) / max(med(2), 0.005):.1f}x | {med(4):.2f} s | {med(0) / n * 1e6:.0f} |")
print("\nBefore the fix (issue 27, L2, the second reliability pass): 2.1 s at 2,500 trials, 8.1 s at 5,000, 33.5 s at 10,000.")
PY
