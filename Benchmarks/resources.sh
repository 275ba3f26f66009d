#!/usr/bin/env bash
# CPUs per trial on a real torch job (issue 25, item 8). One sweep of Benchmarks/torch_app (a
# Scilab-RL-shaped Hydra app that trains a torch MLP; 4 trials of 12 epochs, 2 at a time,
# seeded), run three ways, interleaved (A B C A B C ...), and timed:
#   A: hypertop run --headless conf/performance/Bench/mlp-opti.yaml
#        hypertop's default: each trial gets cores/slots CPUs of its own (an affinity mask) and
#        OMP_NUM_THREADS, MKL_NUM_THREADS, ... set to that count
#   B: the same with `hydra.sweeper.cpus_per_trial: 0` (a copy of the file): no limit, as before;
#        each trial's torch starts one thread per core and the trials fight over the cores
#   C: python src/main.py +performance=Bench/mlp-opti --multirun with Hydra's Optuna sweeper and
#        joblib launcher (as Scilab-RL runs its sweeps), in .venv-bench; joblib's loky backend
#        sets OMP_NUM_THREADS and kin to cpu_count // n_jobs in its workers
# Every trial trains all its epochs (the early-stop threshold is never reached), so each does the
# same work whatever its parameters; the wall time measures throughput only.
#   Benchmarks/resources.sh [--repeats N]   (default 3; a repeat takes 4 to 8 minutes on 2 cores, B the most)
#   Benchmarks/resources.sh --smoke         (2 trials of 1 epoch each way, once; writes no results)
# HYPERTOP=<binary> skips the release build and runs that one.
# Writes Benchmarks/results/resources.md.
#
# Hydra's side runs the app's plain conf/main.yaml with `hydra/sweeper=optuna hydra/launcher=joblib`
# on its command line (what Scilab-RL's main.yaml says in its defaults list). The app's own
# main.yaml does not name them: hypertop's .venv has neither plugin, and hypertop stands in only
# for the sweeper's config, not the launcher's. The upstream plugin also has its own grammar, so
# Hydra's side gets a copy of the sweep file with n_trials for max_trials and without the keys
# only Scilab-RL's fork knows, and the app returns a bare float for it (return_value=score: the
# plugin fails a trial whose return value float() does not take, such as Scilab-RL's tuple).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
repeats=3
smoke=0
while [ $# -gt 0 ]; do
    case "$1" in
        --repeats) repeats="$2"; shift 2 ;;
        --smoke) smoke=1; repeats=1; shift ;;
        *) echo "usage: $0 [--repeats N | --smoke]" >&2; exit 2 ;;
    esac
done
# A value the user set wins over hypertop's and joblib's: the benchmark must start without any.
unset OMP_NUM_THREADS MKL_NUM_THREADS OPENBLAS_NUM_THREADS NUMEXPR_NUM_THREADS VECLIB_MAXIMUM_THREADS \
      BLIS_NUM_THREADS NUMBA_NUM_THREADS GOTO_NUM_THREADS

# hypertop's side: .venv (scripts/install-deps.sh --python puts torch and hydra-core there).
if ! .venv/bin/python -c 'import torch, hydra' >/dev/null 2>&1; then
    scripts/install-deps.sh --python >&2
fi
# Hydra's side: .venv-bench with the upstream Optuna sweeper and the joblib launcher. Pinned as
# .venv-upstream is (scripts/install-deps.sh says why); torch from the local CPU wheel, by path:
# left to choose, pip takes the CUDA build from PyPI (gigabytes).
if ! .venv-bench/bin/python -c 'import torch, optuna, hydra_plugins.hydra_optuna_sweeper, hydra_plugins.hydra_joblib_launcher' >/dev/null 2>&1; then
    torch_whl=$(ls /opt/wheels/torch-*.whl 2>/dev/null | head -n 1 || true)
    [ -n "$torch_whl" ] || { echo "no CPU torch wheel in /opt/wheels (torch-*.whl)" >&2; exit 1; }
    [ -x .venv-bench/bin/python ] || python3 -m venv .venv-bench
    .venv-bench/bin/pip install --quiet --disable-pip-version-check "$torch_whl" 'hydra-core==1.3.8' \
        'hydra-optuna-sweeper==1.3.0' 'hydra-joblib-launcher==1.2.0' 'sqlalchemy<2' 'alembic<1.14' >&2
fi
if [ -n "${HYPERTOP:-}" ]; then
    hypertop="$(realpath "$HYPERTOP")"   # a binary already built, e.g. HYPERTOP=.build/debug/hypertop for --smoke
else
    flock /tmp/hypertop-build.lock swift build -c release --product hypertop >&2
    hypertop="$(swift build -c release --show-bin-path)/hypertop"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sweep=conf/performance/Bench/mlp-opti.yaml

run_one() { # way (A, B or C), repeat -> appends a JSON line to $work/runs.jsonl
    local way="$1" rep="$2"
    local dir="$work/$way-$rep"
    cp -r Benchmarks/torch_app "$dir"
    rm -rf "$dir/data" "$dir/multirun" "$dir/outputs"
    if [ "$smoke" = 1 ]; then
        sed -i -e 's/^\(    max_trials:\).*/\1 2/' -e 's/^\(n_epochs:\).*/\1 1/' "$dir/$sweep"
    fi
    # B: hypertop with the limit off, from the config key (the CLI's --cpus-per-trial 0 does the same).
    sed 's/^  sweeper:$/&\n    cpus_per_trial: 0/' "$dir/$sweep" > "$dir/conf/performance/Bench/mlp-opti-nolimit.yaml"
    # C: the upstream plugin's grammar.
    sed -e 's/^    max_trials:/    n_trials:/' \
        -e '/^    \(min_trials_per_param\|max_trials_per_param\|max_duration_minutes\|cpus_per_trial\):/d' \
        "$dir/$sweep" > "$dir/conf/performance/Bench/mlp-opti-hydra.yaml"
    local n_jobs
    n_jobs=$(sed -n 's/^    n_jobs: *\([0-9]*\).*/\1/p' "$dir/$sweep")
    local start end rc=0
    start="$(date +%s.%N)"
    case "$way" in
        A) (cd "$dir" && "$hypertop" run --headless --seed "$rep" --command "$root/.venv/bin/python src/main.py" \
                "$sweep" > out.txt 2>&1) || rc=$? ;;
        B) (cd "$dir" && "$hypertop" run --headless --seed "$rep" --command "$root/.venv/bin/python src/main.py" \
                conf/performance/Bench/mlp-opti-nolimit.yaml > out.txt 2>&1) || rc=$? ;;
        C) (cd "$dir" && "$root/.venv-bench/bin/python" src/main.py +performance=Bench/mlp-opti-hydra \
                hydra/sweeper=optuna hydra/launcher=joblib "hydra.launcher.n_jobs=$n_jobs" \
                "hydra.sweeper.sampler.seed=$rep" return_value=score --multirun > out.txt 2>&1) || rc=$? ;;
    esac
    end="$(date +%s.%N)"
    if [ "$rc" != 0 ]; then
        echo "$way #$rep exited $rc; the end of its output:" >&2
        tail -n 15 "$dir/out.txt" >&2
    fi
    python3 - "$way" "$rep" "$start" "$end" "$rc" "$dir" >> "$work/runs.jsonl" <<'PY'
import glob, json, statistics, sys
way, rep, start, end, rc, d = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
# Each trial's run writes resources.json: torch's thread count, its CPU set, its epochs' seconds.
trials = [json.load(open(p)) for p in sorted(glob.glob(d + "/data/**/resources.json", recursive=True))]
epochs = [s for t in trials for s in t["epoch_seconds"]]
print(json.dumps({"way": way, "rep": rep, "wall": end - start, "rc": rc, "trials": len(trials),
                  "threads": sorted({t["torch_threads"] for t in trials}),
                  "omp": sorted({str(t["env"]["OMP_NUM_THREADS"]) for t in trials}),
                  "cpu_sets": sorted({",".join(map(str, t["affinity"])) for t in trials}),
                  "epoch_median": statistics.median(epochs) if epochs else None}))
PY
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq 1 "$repeats"); do
    for way in A B C; do
        echo "$way, run $rep of $repeats..." >&2
        run_one "$way" "$rep"
    done
done

trials=$(sed -n 's/^    max_trials: *\([0-9]*\).*/\1/p' "Benchmarks/torch_app/$sweep")
epochs=$(sed -n 's/^n_epochs: *\([0-9]*\).*/\1/p' "Benchmarks/torch_app/$sweep")
n_jobs=$(sed -n 's/^    n_jobs: *\([0-9]*\).*/\1/p' "Benchmarks/torch_app/$sweep")
[ "$smoke" = 1 ] && { trials=2; epochs=1; }
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
versions="$(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'); $(.venv-bench/bin/python -c 'import hydra, optuna, joblib; print("hydra-core", hydra.__version__, "+ optuna", optuna.__version__, "+ joblib", joblib.__version__)')"
report=Benchmarks/results/resources.md
[ "$smoke" = 1 ] && report=/dev/null
mkdir -p Benchmarks/results
python3 - "$work/runs.jsonl" "$load_before" "$(nproc)" "$cpu_model" "$trials" "$epochs" "$n_jobs" "$versions" <<'PY' | tee "$report"
import json, os, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
load, cores, cpu, trials, epochs, n_jobs, versions = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], int(sys.argv[7]), sys.argv[8]
names = {"A": "hypertop (default: CPUs per trial)", "B": "hypertop, `cpus_per_trial: 0`", "C": "Hydra's Optuna sweeper + joblib launcher"}
def med(way, key="wall"):
    xs = [r[key] for r in runs if r["way"] == way and r[key] is not None]
    return statistics.median(xs) if xs else float("nan")
n = len(runs) // 3
print("# CPUs per trial: hypertop vs no limit vs Hydra's joblib launcher, on a real torch job")
print()
print(f"Machine: {cores} CPUs (`nproc`), {cpu}; {versions}. Load before: {load}.")
print(f"The sweep: `Benchmarks/torch_app` (a Scilab-RL-shaped Hydra app that trains a torch MLP, batch 512, "
      f"hidden 384), {trials} trials of {epochs} epochs, {n_jobs} at a time, seeded; every trial trains all its epochs. "
      f"Run {n} times each way, interleaved (A B C A B C ...), no OMP_NUM_THREADS in the environment. "
      "Made by `Benchmarks/resources.sh`.")
print()
print("| way | median wall time (s) | vs A | median epoch (s) | torch threads per trial | trial CPU sets |")
print("| --- | --- | --- | --- | --- | --- |")
a = med("A")
for way in "ABC":
    w = med(way)
    rs = [r for r in runs if r["way"] == way]
    threads = sorted({t for r in rs for t in r["threads"]})
    sets = sorted({s for r in rs for s in r["cpu_sets"]})
    print(f"| {way}: {names[way]} | {w:.1f} | {w / a:.2f}x | {med(way, 'epoch_median'):.2f} | "
          f"{', '.join(map(str, threads)) or '-'} | {' / '.join('{' + s + '}' for s in sets) or '-'} |")
print()
print(f"B/A = {med('B') / a:.2f}, C/A = {med('C') / a:.2f} (median wall times).")
print()
print("Per run:")
print()
for r in runs:
    bad = "" if r["rc"] == 0 else f", **exit {r['rc']}**"
    print(f"- {r['way']} #{r['rep']}: wall {r['wall']:.1f} s, {r['trials']} trials, median epoch {r['epoch_median'] or float('nan'):.2f} s, "
          f"torch threads {r['threads']}, OMP_NUM_THREADS {r['omp']}, CPU sets {r['cpu_sets']}{bad}")
print()
print("What differs besides the thread count: hypertop starts each trial as a fresh process (Python, Hydra and the torch "
      "import each time, a few seconds); joblib's loky workers live through the sweep and import torch once. Hydra's sweeper "
      "asks for the next trials only when the whole batch of n_jobs has ended; hypertop starts one when a slot frees. "
      "hypertop also pins each trial to CPUs of its own, where joblib only sets the thread counts.")
print()
cores16, jobs16 = 16, 9
per = max(cores16 // jobs16, 1)
print(f"On {cores16} cores with n_jobs {jobs16}, as on a workstation: without a limit (B) each trial's torch starts {cores16} "
      f"intra-op threads, {cores16 * jobs16} threads on {cores16} cores, each matmul's threads waiting on each other across "
      f"the trials. joblib gives each worker {cores16}//{jobs16} = {per} thread, {jobs16 * per} threads in all, but no CPUs "
      f"of its own: the kernel moves them among the {cores16} cores. hypertop gives each trial {cores16}//{jobs16} = {per} "
      f"CPU of its own (an affinity mask) and OMP_NUM_THREADS={per}, so the {jobs16} trials use {jobs16 * per} cores and leave "
      f"{cores16 - jobs16 * per} to the engine and the rest of the machine; a thread a library starts anyway "
      "(one that ignores OMP_NUM_THREADS) stays on its trial's CPUs instead of taking another trial's.")
PY
