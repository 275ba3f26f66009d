#!/usr/bin/env bash
# Store benchmark: hypertop's StudyStore next to Python optuna's SQLite storage, one table.
#   Benchmarks/store.sh [--trials N] [--open-trials N] [--steps N]
# Writes Benchmarks/results/store.md. Set HYPERTOP_PYTHON to use an existing Python that has
# optuna; otherwise the project's .venv is created with it (scripts/install-deps.sh --python).
set -euo pipefail
cd "$(dirname "$0")/.."
trials=300
open_trials=10000
steps=100
while [ $# -gt 0 ]; do
    case "$1" in
        --trials) trials="$2"; shift 2 ;;
        --open-trials) open_trials="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        *) echo "usage: $0 [--trials N] [--open-trials N] [--steps N]" >&2; exit 2 ;;
    esac
done

source Benchmarks/optuna-python.sh

# Builds share the machine: take the lock like every other build, and run under it (CPU-bound).
flock /tmp/hypertop-build.lock swift build -c release --product store-bench >&2
bench="$(swift build -c release --show-bin-path)/store-bench"

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "hypertop: $trials trials, $open_trials x $steps study..." >&2
ours="$(flock /tmp/hypertop-build.lock "$bench" "$work" --trials "$trials" --open-trials "$open_trials" --steps "$steps")"
open_db="$("$python" -c 'import json,sys; print(json.loads(sys.argv[1])["open_db"])' "$ours")"
echo "optuna: $trials trials, loading the same big study..." >&2
theirs="$(flock /tmp/hypertop-build.lock "$python" Benchmarks/optuna_store_bench.py "$work" "$trials" "$open_db")"

mkdir -p Benchmarks/results
"$python" - "$ours" "$theirs" "$load_before" <<'PY' | tee Benchmarks/results/store.md
import json, platform, subprocess, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
load = sys.argv[3]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print("# Study store benchmark\n")
print(f"Machine: {cpu}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores. "
      f"Load average before the run: {load} (the machine is shared; timings move with it). "
      f"Python optuna {theirs['optuna']} (SQLite storage). Regenerate with `Benchmarks/store.sh`.\n")
print("| measure | hypertop StudyStore | Python optuna |")
print("| --- | ---: | ---: |")
print(f"| per finished trial: launch + 3 metric rows + finish, one commit each ({ours['trials']} trials) | {ours['trial_ms_unbatched']:.2f} ms | {theirs['trial_ms']:.1f} ms (ask + 3 report + tell) |")
print(f"| per finished trial as the engine records: one `StoreSink` commit per tick, 8 jobs (5 ticks per 8 trials) | {ours['trial_ms_batched']:.3f} ms | — |")
print(f"| per metric row (10 series each, 64 rows a commit) | {ours['metric_row_us']:.1f} µs | — |")
print(f"| writer time for 64 jobs x 100 rows/s (6,400 rows/s), per second | {ours['cpu_share_at_6400_rows_per_s'] * 1000:.0f} ms | — |")
print(f"| open a study of {ours['open_trials']:,} trials x {ours['open_rows'] // max(1, ours['open_trials'])} intermediate values (new process: open file + `studies()` + `loadStudy`; median of 5, best in brackets; target < 300 ms) | {ours['open_ms']:.0f} ms ({ours['open_ms_min']:.0f}) | {theirs['load_ms']:.0f} ms (`load_study` + `get_trials` on the same file) |")
print(f"| of which `studies()` (the browser's table) | {ours['studies_list_ms']:.1f} ms | — |")
print(f"\nThe {ours['open_trials']:,}-trial file is {ours['open_file_mb']:.0f} MB and took {ours['open_build_s']:.1f} s to record; "
      f"Python optuna read {theirs['load_trials']:,} trials and {theirs['load_steps']:,} intermediate values from it.")
PY
