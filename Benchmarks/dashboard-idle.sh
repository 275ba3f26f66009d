#!/usr/bin/env bash
# Idle-CPU benchmark: the live dashboard on a synthetic study with no engine activity, in a real
# terminal (tmux), for a while; the share of a core it used, at refresh 1 s and 0.1 s.
#   Benchmarks/dashboard-idle.sh [--seconds N] [--rounds N]
# Writes Benchmarks/results/dashboard-idle.md. A measurement, so it is a benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10
rounds=3
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        *) echo "usage: $0 [--seconds N] [--rounds N]" >&2; exit 2 ;;
    esac
done
command -v tmux >/dev/null || { echo "tmux is needed (apt-get install tmux)" >&2; exit 2; }
flock /tmp/hypertop-build.lock swift build -c release --product dashboard-bench >&2
bench="$(swift build -c release --show-bin-path)/dashboard-bench"

# One round: the share of a core (in %) the idle dashboard used over `seconds`.
measure() {
    local refresh="$1" session="hypertop-idle-$$" out
    out="$(mktemp)"
    tmux new-session -d -s "$session" -x 120 -y 40 \
        "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color $bench live --trials 24 --idle --watch --refresh $refresh > /dev/tty; true"
    sleep 1
    tmux pipe-pane -t "$session" -o "cat >> $out"
    sleep "$seconds"
    tmux send-keys -t "$session" q
    sleep 1
    tmux capture-pane -t "$session" -p -S -50 >> "$out" 2>/dev/null || true
    tmux kill-session -t "$session" 2>/dev/null || true
    grep -o 'cpu [0-9.]* s over [0-9.]* s wall = [0-9.]*%' "$out" | tail -1 | sed -E 's/.*= ([0-9.]+)%/\1/'
    rm -f "$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

{
    echo "# Idle dashboard: share of one core"
    echo
    echo "\`dashboard-bench live --trials 24 --idle --watch\` at 120x40 in tmux, ${seconds} s per round, median of ${rounds} rounds."
    echo "Machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "| refresh | rounds (% of a core) | median |"
    echo "| --- | --- | --- |"
    for refresh in 1 0.1; do
        values=()
        for _ in $(seq "$rounds"); do values+=("$(measure "$refresh")"); done
        echo "| ${refresh} s | ${values[*]} | $(printf '%s\n' "${values[@]}" | median) |"
    done
} | tee Benchmarks/results/dashboard-idle.md
