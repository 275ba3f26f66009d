#!/usr/bin/env bash
# Memory benchmark (issue 12, D3/D11): hypertop's own peak RSS, and how long after a job's exit
# its end is reported, for a job that writes 1,000,000 metric rows and one that writes 1 GB to
# stdout. Targets: under 200 MB RSS, the end reported within one second.
#   Benchmarks/memory.sh [--rounds N] [--rows N] [--megabytes N] [--binary PATH]...
# Each --binary is measured side by side in every round (e.g. an older build); the default is
# this checkout's release build. Writes Benchmarks/results/memory.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
rounds=3
rows=1000000
megabytes=1024
binaries=()
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --rows) rows="$2"; shift 2 ;;
        --megabytes) megabytes="$2"; shift 2 ;;
        --binary) binaries+=("$(realpath "$2")"); shift 2 ;;
        *) echo "usage: $0 [--rounds N] [--rows N] [--megabytes N] [--binary PATH]..." >&2; exit 2 ;;
    esac
done
[ -x /usr/bin/time ] || { echo "GNU time is needed (apt-get install time)" >&2; exit 2; }
if [ ${#binaries[@]} -eq 0 ]; then
    flock /tmp/hypertop-build.lock swift build -c release --product hypertop >&2
    binaries=("$(swift build -c release --show-bin-path)/hypertop")
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The jobs: each writes its volume as fast as Python can, records the moment it exits, and exits 0.
cat > "$work/rows.py" <<PY
import json, os, sys, time
n = int(sys.argv[1])
with open(os.environ["HYPERTOP_METRICS"], "a", buffering=1 << 20) as f:
    for i in range(n):
        f.write(json.dumps({"step": i, "eval/success_rate": (i % 1000) / 1000.0,
                            "train/loss": 1.0 / (i + 1), "rollout/ep_rew_mean": -i * 0.001}) + "\n")
open(os.path.join(os.environ["HYPERTOP_TRIAL_DIR"], "exit_time"), "w").write(repr(time.time()))
PY
cat > "$work/stdout.py" <<PY
import os, sys, time
mb = int(sys.argv[1])
line = ("x" * 65535 + "\n").encode()
out = sys.stdout.buffer
for i in range(mb * 16):
    out.write(line)
out.write(b"eval/success_rate=0.5\n")
out.flush()
open(os.path.join(os.environ["HYPERTOP_TRIAL_DIR"], "exit_time"), "w").write(repr(time.time()))
PY
config() { # name, job argv
    cat <<YAML
hydra:
  sweeper:
    study_name: $1
    max_trials: 1
    n_jobs: 1
    direction: maximize
    sampler: random
    pass_config: none
    command: [$2]
    search_space:
      ++x: {type: float, low: 0, high: 1}
YAML
}

# One measurement: "<peak RSS MB> <seconds from the job's exit to its end in the store>".
measure() { # binary, case
    local bin="$1" case="$2" dir
    dir="$(mktemp -d -p "$work")"
    if [ "$case" = rows ]; then config rows "python3, $work/rows.py, '$rows'" > "$dir/m-opti.yaml"
    else config out "python3, $work/stdout.py, '$megabytes'" > "$dir/m-opti.yaml"; fi
    (cd "$dir" && /usr/bin/time -f '%M' -o "$dir/rss" "$bin" run --headless --seed 1 m-opti.yaml > "$dir/log" 2>&1) || true
    python3 - "$dir" <<'PY'
import glob, os, sqlite3, sys, datetime
d = sys.argv[1]
rss_mb = int(open(os.path.join(d, "rss")).read().split()[-1]) / 1024
exits = glob.glob(os.path.join(d, "**", "exit_time"), recursive=True)
lag = float("nan")
db = glob.glob(os.path.join(d, "**", "*.db"), recursive=True)
if exits and db:
    exit_time = float(open(exits[0]).read())
    con = sqlite3.connect(db[0])
    row = con.execute("SELECT datetime_complete, state FROM trials").fetchone()
    if row and row[0]:
        ended = datetime.datetime.strptime(row[0], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()
        lag = ended - exit_time
print(f"{rss_mb:.1f} {lag:.2f}")
PY
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

{
    echo "# hypertop's own memory under a flood of output"
    echo
    echo "One trial per run (\`run --headless\`, release build): a job writing ${rows} JSON metric rows (4 metrics each) to"
    echo "\`\$HYPERTOP_METRICS\`, and one writing ${megabytes} MB of 64 KB lines to stdout, each as fast as Python can."
    echo "Peak RSS is GNU time's maximum resident set size of hypertop (the job not counted). The lag is from the"
    echo "job's last act (it writes \`time.time()\` to a file and exits) to the trial's \`datetime_complete\` in the store."
    echo "Median of ${rounds} rounds; rounds alternate the binaries. Machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "| binary | job | peak RSS MB (rounds) | median | end reported after s (rounds) | median |"
    echo "| --- | --- | --- | --- | --- | --- |"
    for case in rows stdout; do
        declare -A rss=() lag=()
        for _ in $(seq "$rounds"); do
            for bin in "${binaries[@]}"; do
                read -r r l < <(measure "$bin" "$case")
                rss[$bin]+="$r "; lag[$bin]+="$l "
            done
        done
        for bin in "${binaries[@]}"; do
            label="${bin#"$root"/}"
            echo "| \`$label\` | $case | ${rss[$bin]} | $(printf '%s\n' ${rss[$bin]} | median) | ${lag[$bin]} | $(printf '%s\n' ${lag[$bin]} | median) |"
        done
        unset rss lag
    done
} | tee Benchmarks/results/memory.md
