#!/usr/bin/env bash
# Pictures of the real dashboard at 120x40 for the README: the main screen mid-sweep, a trial's
# detail, the help overlay, and the analysis views (importance, history, timeline, parallel
# coordinates, slices) after more trials. Runs the command in a tmux pane, captures it with its colours,
# and turns each capture into a PNG (own ANSI -> SVG writer, then rsvg-convert).
#
#   scripts/screenshots.sh                       # hypertop run $CONFIG (swift build -c release first)
#   scripts/screenshots.sh -- CMD ARGS...        # any command that shows the dashboard
#
# Environment: CONFIG (default conf/performance/Reach/sac-opti.yaml), WAIT (seconds before the
# main screen, default 25), VIEWS_WAIT (seconds more before the analysis views, default 40),
# COMPARE_SEEDS (the two compared demo studies' seeds, default 3,4), COMPARE_ONLY=1 (only the
# compare view), SKIP_COMPARE=1, PARETO_ONLY=1 (only the Pareto view, of a run of
# conf/performance/Reach/sac_tradeoff-opti.yaml, PARETO_WAIT seconds in, default 150), SKIP_PARETO=1,
# OUT (default screenshots). Needs tmux, python3 and rsvg-convert
# (Debian: apt-get install tmux librsvg2-bin fonts-dejavu-core).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

COLS=120 ROWS=40
OUT=${OUT:-screenshots}
COMPARE_SEEDS=${COMPARE_SEEDS:-3,4}
WAIT=${WAIT:-25}
SESSION=hypertop-shots-$$

for tool in tmux python3 rsvg-convert; do
    command -v "$tool" >/dev/null || { echo "screenshots.sh: $tool is missing (apt-get install tmux python3 librsvg2-bin)" >&2; exit 1; }
done

if [ "${1:-}" = "--" ]; then
    shift
    COMMAND=("$@")
    CUSTOM_COMMAND=1
else
    BIN=$(swift build -c release --show-bin-path)
    [ -x "$BIN/hypertop" ] || { echo "screenshots.sh: build first: swift build -c release" >&2; exit 1; }
    # The bundled job (reach-trainer) is found next to hypertop.
    COMMAND=(env "PATH=$BIN:$PATH" "$BIN/hypertop" run "${CONFIG:-conf/performance/Reach/sac-opti.yaml}")
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
cleanup() {
    tmux kill-session -t "$SESSION" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# The sweep runs in a scratch directory with a copy of conf/, so the repository stays clean.
mkdir -p "$WORK/run"
cp -r conf "$WORK/run/"
printf -v quoted '%q ' "${COMMAND[@]}"
# Only the Pareto view: the first window waits rather than running the demo beside it.
[ -n "${PARETO_ONLY:-}" ] && quoted="true"
tmux new-session -d -s "$SESSION" -x "$COLS" -y "$ROWS" -c "$WORK/run" \
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $quoted; sleep 3600"

shot() {
    local name=$1
    tmux capture-pane -e -p -t "$SESSION" > "$WORK/$name.ansi"
    python3 "$REPO/scripts/ansi2svg.py" "$COLS" "$ROWS" < "$WORK/$name.ansi" > "$WORK/$name.svg"
    rsvg-convert "$WORK/$name.svg" -o "$OUT/$name.png"
    echo "wrote $OUT/$name.png"
}

if [ -n "${PARETO_ONLY:-}" ]; then COMPARE_ONLY=1 SKIP_COMPARE=1; fi
if [ -z "${COMPARE_ONLY:-}" ]; then
sleep "$WAIT"
shot dashboard
tmux send-keys -t "$SESSION" j j Enter
sleep 1.5
shot trial-detail
tmux send-keys -t "$SESSION" Escape
sleep 0.5
tmux send-keys -t "$SESSION" '?'
sleep 1
shot help
tmux send-keys -t "$SESSION" Escape
# The analysis views, once more trials have finished.
sleep "${VIEWS_WAIT:-40}"
for view in i:importance H:history t:timeline c:parallel-coordinates Tab:slices; do
    tmux send-keys -t "$SESSION" "${view%%:*}"
    sleep 1.2
    shot "${view#*:}"
done
tmux send-keys -t "$SESSION" Escape
sleep 0.3
fi
if [ -z "${SKIP_COMPARE:-}" ] && [ "${COMMAND[1]:-}" != "" ] && [ -z "${CUSTOM_COMMAND:-}" ]; then
    # The compare view: two short headless sweeps of the demo (the second with --new keeps the
    # first under another name), then the studies browser with both marked.
    BIN=$(dirname "${COMMAND[2]}")
    mkdir -p "$WORK/cmp"
    cp -r conf "$WORK/cmp/"
    sed -i 's/max_trials: [0-9]*/max_trials: 10/' "$WORK/cmp/conf/performance/Reach/sac-opti.yaml"
    (cd "$WORK/cmp" && PATH="$BIN:$PATH" "$BIN/hypertop" run --headless --seed "${COMPARE_SEEDS%,*}" conf/performance/Reach/sac-opti.yaml >/dev/null \
        && PATH="$BIN:$PATH" "$BIN/hypertop" run --headless --new --seed "${COMPARE_SEEDS#*,}" conf/performance/Reach/sac-opti.yaml >/dev/null)
    tmux new-window -t "$SESSION" -c "$WORK/cmp" "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $BIN/hypertop studies data/hypertop.db; sleep 600"
    sleep 1.5
    tmux send-keys -t "$SESSION" Space Space c
    sleep 1
    shot compare
    tmux kill-window -t "$SESSION"
fi
if [ -z "${SKIP_PARETO:-}" ] && [ -z "${CUSTOM_COMMAND:-}" ]; then
    # The Pareto view: the demo of two objectives (success rate against environment steps).
    BIN=$(dirname "${COMMAND[2]}")
    mkdir -p "$WORK/mo"
    cp -r conf "$WORK/mo/"
    tmux new-window -t "$SESSION" -c "$WORK/mo" "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 PATH=$BIN:$PATH $BIN/hypertop run conf/performance/Reach/sac_tradeoff-opti.yaml; sleep 600"
    sleep "${PARETO_WAIT:-150}"
    tmux send-keys -t "$SESSION" P
    sleep 1.2
    tmux send-keys -t "$SESSION" j
    sleep 1
    shot pareto
    tmux send-keys -t "$SESSION" q
    sleep 0.5
    tmux send-keys -t "$SESSION" k
    sleep 1
    tmux kill-window -t "$SESSION"
fi
# Leave the sweep the way a user would: q, then k to kill what still runs.
tmux send-keys -t "$SESSION" q
sleep 0.5
tmux send-keys -t "$SESSION" k
sleep 1
