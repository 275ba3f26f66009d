#!/usr/bin/env bash
# Slot use on Slurm: one sweep of short trials (1 to 7 s each, 24 trials, 4 at a time) of one
# stock Hydra app with one config, run twice on the same cluster, side by side:
#   - hypertop run conf/config.yaml          (hypertop's Slurm launcher, read from hydra.launcher)
#   - python app.py --multirun               (Hydra's Optuna sweeper with submitit's Slurm launcher)
# It reports the share of slot time spent running trials (n_jobs slots for the whole sweep; the
# rest is submission, polling, Slurm's scheduling and, for Hydra, the batch barrier), the wait
# between one trial's end and the next start in its slot, and the calls each made to slurmctld
# (sbatch, squeue, sacct, scancel, scontrol) per minute, counted by wrappers on PATH.
#   Benchmarks/slurm.sh [--repeats N]
# Needs a Slurm that answers (scripts/slurm-up.sh starts a one-node one). Writes
# Benchmarks/results/slurm.md.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=3
while [ $# -gt 0 ]; do
    case "$1" in
        --repeats) repeats="$2"; shift 2 ;;
        *) echo "usage: $0 [--repeats N]" >&2; exit 2 ;;
    esac
done
sinfo -h -o %T >/dev/null 2>&1 || { echo "no Slurm answers here; start one with scripts/slurm-up.sh" >&2; exit 1; }

# Hydra's side: the upstream plugin (it pins optuna<3) and submitit's launcher, in .venv-upstream.
scripts/install-deps.sh --python >&2
if ! .venv-upstream/bin/python -c 'import hydra_plugins.hydra_submitit_launcher' >/dev/null 2>&1; then
    .venv-upstream/bin/pip install --quiet --disable-pip-version-check 'hydra-submitit-launcher==1.2.0' >&2
fi
flock /tmp/hypertop-build.lock swift build -c release --product hypertop >&2
hypertop="$(swift build -c release --show-bin-path)/hypertop"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Every call to a Slurm command goes through a wrapper that logs it first.
mkdir -p "$work/bin"
for tool in sbatch squeue sacct scancel scontrol sinfo; do
    real="$(command -v "$tool")"
    printf '#!/bin/sh\necho "$(date +%%s.%%N) %s" >> "$CALL_LOG"\nexec %s "$@"\n' "$tool" "$real" > "$work/bin/$tool"
    chmod +x "$work/bin/$tool"
done

run_one() { # tool, repeat -> appends a JSON line to $work/runs.jsonl
    local tool="$1" rep="$2"
    local dir="$work/$tool-$rep"
    cp -r Benchmarks/slurm_app "$dir"
    rm -rf "$dir/data" "$dir/multirun" "$dir/outputs"
    local log="$dir/bench.log" calls="$dir/calls.log"
    : > "$log"; : > "$calls"
    local start end
    start="$(date +%s.%N)"
    if [ "$tool" = hypertop ]; then
        # The same Python for both: the one with Hydra's plugins, which the config's defaults name.
        (cd "$dir" && PATH="$work/bin:$PATH" BENCH_LOG="$log" CALL_LOG="$calls" \
            "$hypertop" run --headless --seed "$rep" --command "$OLDPWD/.venv-upstream/bin/python app.py" conf/config.yaml > "$dir/out.txt" 2>&1)
    else
        (cd "$dir" && PATH="$work/bin:$PATH" BENCH_LOG="$log" CALL_LOG="$calls" \
            "$OLDPWD/.venv-upstream/bin/python" app.py --multirun "hydra.sweeper.sampler.seed=$rep" > "$dir/out.txt" 2>&1)
    fi
    end="$(date +%s.%N)"
    python3 - "$tool" "$rep" "$start" "$end" "$log" "$calls" >> "$work/runs.jsonl" <<'PY'
import json, sys
tool, rep, start, end, log, calls = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
runs = sorted(tuple(map(float, l.split())) for l in open(log) if l.strip())
slots = 4
# Each run goes to the slot that freed first: the wait between a slot's runs is time the slot did not run a trial.
free = [start] * slots
gaps = []
for s, e in runs:
    i = min(range(slots), key=lambda k: free[k])
    if free[i] > start:
        gaps.append(max(0.0, s - free[i]))
    free[i] = e
ran = sum(e - s for s, e in runs)
wall = end - start
counts = {}
for l in open(calls):
    parts = l.split()
    if len(parts) == 2:
        counts[parts[1]] = counts.get(parts[1], 0) + 1
gaps.sort()
print(json.dumps({"tool": tool, "rep": rep, "trials": len(runs), "wall": wall, "ran": ran, "share": ran / (slots * wall),
                  "gap_median": gaps[len(gaps) // 2] if gaps else None, "calls": counts,
                  "per_minute": sum(counts.get(t, 0) for t in ("sbatch", "squeue", "sacct", "scancel", "scontrol")) / (wall / 60),
                  "queries_per_minute": sum(counts.get(t, 0) for t in ("squeue", "sacct", "scontrol")) / (wall / 60),
                  "per_trial": sum(counts.get(t, 0) for t in ("sbatch", "squeue", "sacct", "scancel", "scontrol")) / max(1, len(runs)),
                  "queries_per_trial": sum(counts.get(t, 0) for t in ("squeue", "sacct", "scontrol")) / max(1, len(runs))}))
PY
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq 1 "$repeats"); do
    for tool in hypertop hydra-submitit; do
        echo "$tool, run $rep of $repeats..." >&2
        run_one "$tool" "$rep"
    done
done

mkdir -p Benchmarks/results
python3 - "$work/runs.jsonl" "$load_before" "$(sinfo -V)" <<'PY' | tee Benchmarks/results/slurm.md
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
load, slurm = sys.argv[2], sys.argv[3]
def med(tool, key):
    xs = [r[key] for r in runs if r["tool"] == tool and r[key] is not None]
    return statistics.median(xs) if xs else float("nan")
def calls(tool, name):
    xs = [r["calls"].get(name, 0) for r in runs if r["tool"] == tool]
    return statistics.median(xs)
print("# Slot use on Slurm: hypertop vs Hydra's Optuna sweeper with submitit")
print()
print(f"24 trials of one Hydra app (`Benchmarks/slurm_app`, each run 1 to 7 s), 4 at a time, one config for both; "
      f"{slurm} on one node (scripts/slurm-up.sh). Medians of {len(runs) // 2} runs each, alternated; load before: {load}.")
print("Slot share: the trials' own run time (from their start inside the job to their end) over 4 slots times the sweep's wall time. "
      "Gap: from a trial's end to the next trial's start in the slot it freed. Calls: sbatch, squeue, sacct, scancel, scontrol, counted by wrappers on PATH.")
print()
print("| | hypertop | Hydra + submitit | ratio |")
print("| --- | --- | --- | --- |")
rows = [("wall time of the sweep (s)", "wall", "{:.1f}"), ("slot time running trials (share)", "share", "{:.0%}"),
        ("median gap between trials in a slot (s)", "gap_median", "{:.2f}"),
        ("calls to Slurm per minute", "per_minute", "{:.1f}"), ("queue queries (squeue, sacct) per minute", "queries_per_minute", "{:.1f}"),
        ("calls to Slurm per trial", "per_trial", "{:.2f}"), ("queue queries per trial", "queries_per_trial", "{:.2f}")]
for label, key, fmt in rows:
    a, b = med("hypertop", key), med("hydra-submitit", key)
    ratio = f"{b / a:.2f}x" if a else "-"
    print(f"| {label} | {fmt.format(a)} | {fmt.format(b)} | {ratio} |")
for name in ("sbatch", "squeue", "sacct", "scancel", "scontrol"):
    a, b = calls("hypertop", name), calls("hydra-submitit", name)
    if a or b:
        print(f"| `{name}` calls in the sweep | {a:g} | {b:g} | |")
print()
print("hypertop submits one job per trial the moment a slot frees (no batch barrier); submitit submits each batch of "
      "n_jobs trials as one job array and waits for the whole batch before Hydra's sweeper asks for the next, so it makes "
      "fewer sbatch calls and leaves slots idle. hypertop asks the queue once per `poll_seconds` (5) for all its jobs, and "
      "learns starts and ends from marker files on the shared file system.")
print()
print("Per run:")
print()
for r in runs:
    print(f"- {r['tool']} #{r['rep']}: {r['trials']} trials, wall {r['wall']:.1f} s, share {r['share']:.0%}, calls {r['calls']}")
PY
