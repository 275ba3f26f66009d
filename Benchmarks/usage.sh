#!/usr/bin/env bash
# What measuring running trials costs (issue 29): hypertop's UsageSampler (`hypertop-bench
# usage-cost`) against the same measurement in Python with psutil (Benchmarks/usage_psutil.py,
# what Python monitors such as nvitop and glances use), on 64 running trials of 3 processes each
# (a shell, a child in its group, one that left it with setsid), side by side in one run,
# alternating, for ROUNDS rounds. Each sample's CPU time is taken in the measuring process; at a
# refresh of 1 s its share of a core is that time over 1 s. Then a frame of the dashboard with the
# resource columns at 1,000 running trials (dashboard-bench usage).
#   Benchmarks/usage.sh [--rounds N] [--trials N]     (defaults 5 and 64)
# Writes Benchmarks/results/usage.md.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=5
trials=64
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --trials) trials="$2"; shift 2 ;;
        *) echo "usage: $0 [--rounds N] [--trials N]" >&2; exit 2 ;;
    esac
done
python="${HYPERTOP_PYTHON:-$PWD/.venv/bin/python}"
"$python" -c "import psutil" 2>/dev/null || "$python" -m pip install -q psutil
swift build -c release --product hypertop-bench >/dev/null
swift build -c release --product dashboard-bench >/dev/null
bin="$(swift build -c release --show-bin-path)"
out=Benchmarks/results/usage.md
tmp="$(mktemp)"
for r in $(seq 1 "$rounds"); do
    echo "round $r/$rounds" >&2
    echo "hypertop $("$bin/hypertop-bench" usage-cost --trials "$trials" --samples 20)" >> "$tmp"
    echo "psutil $("$python" Benchmarks/usage_psutil.py "$trials" 20)" >> "$tmp"
done
frames="$("$bin/dashboard-bench" usage)"
"$python" - "$tmp" "$rounds" "$trials" "$frames" > "$out" <<'PY'
import json, statistics, sys, datetime
path, rounds, trials, frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rows = {"hypertop": [], "psutil": []}
for line in open(path):
    who, _, js = line.partition(" ")
    rows[who].append(json.loads(js))
def med(who, key): return statistics.median(r[key] for r in rows[who])
print(f"# Measuring running trials (`Benchmarks/usage.sh`), {datetime.date.today()}, this machine (2 cores, noisy: medians of {rounds} rounds)")
print()
print(f"{trials} running trials of 3 processes each; {rows['hypertop'][-1]['machine_processes']} processes on the machine in all; CPU time of the measuring process per sample.")
print()
print("| measurer | trial processes found | first sample ms (reads each environment once) | steady sample ms (median) | share of a core at a refresh of 1 s |")
print("| --- | --- | --- | --- | --- |")
for who, name in [("hypertop", "hypertop `UsageSampler` (/proc, one `stat` read per process)"), ("psutil", "Python psutil (as nvitop and glances read /proc)")]:
    print(f"| {name} | {statistics.median(r['trial_processes'] for r in rows[who]):.0f} | {med(who, 'first_ms'):.2f} | {med(who, 'steady_ms'):.2f} | {med(who, 'steady_ms') / 10:.2f}% |")
print()
print(f"hypertop is {med('psutil', 'steady_ms') / med('hypertop', 'steady_ms'):.1f}x cheaper per steady sample. GPUs: {rows['hypertop'][-1]['gpu']}.")
print()
print("Per round (steady ms): hypertop " + ", ".join(f"{r['steady_ms']:.2f}" for r in rows["hypertop"]) + "; psutil " + ", ".join(f"{r['steady_ms']:.2f}" for r in rows["psutil"]))
print()
print("```")
print(frames)
print("```")
PY
rm -f "$tmp"
cat "$out"
