#!/bin/sh
# A tiny trial job for the engine's tests. Reads Hydra overrides from argv:
#   ++x=<number>      the value it reports as eval/success_rate for each of its epochs
#   ++mode=<mode>     ok | crash | writenan | silent | garbage | table | csv | score
#                     | fifo | devzero (its metrics file becomes a FIFO, or a link to /dev/zero)
#   ++sleep=<secs>    how long each epoch takes
# and writes every argument, one per line, to $HYPERTOP_TRIAL_DIR/args.txt.
# With $SLOW_FROM set, trials numbered SLOW_FROM and up block until killed (for crash tests).
x=0.5; mode=ok; sleep=0; epochs=3
for a in "$@"; do
  printf '%s\n' "$a" >> "$HYPERTOP_TRIAL_DIR/args.txt"
  case "$a" in
    ++x=*) x="${a#++x=}" ;;
    ++mode=*) mode="${a#++mode=}" ;;
    ++sleep=*) sleep="${a#++sleep=}" ;;
    ++epochs=*) epochs="${a#++epochs=}" ;;
  esac
done
echo "$$" > "$HYPERTOP_TRIAL_DIR/pid"
if [ -n "${SLOW_FROM:-}" ] && [ "$HYPERTOP_TRIAL_NUMBER" -ge "$SLOW_FROM" ]; then
  # Blocks in the shell itself (no child process), without using CPU, until a signal ends it.
  mkfifo "$HYPERTOP_TRIAL_DIR/block" && read -r _ < "$HYPERTOP_TRIAL_DIR/block"
  exit 0
fi
case "$mode" in
  fifo) rm -f "$HYPERTOP_METRICS"; mkfifo "$HYPERTOP_METRICS"; sleep 30; exit 0 ;;
  devzero) ln -sf /dev/zero "$HYPERTOP_METRICS"; sleep 30; exit 0 ;;
esac
i=1
while [ "$i" -le "$epochs" ]; do
  [ "$sleep" != 0 ] && sleep "$sleep"
  case "$mode" in
    ok) echo "{\"step\": $i, \"eval/success_rate\": $x}" >> "$HYPERTOP_METRICS" ;;
    writenan) echo "{\"step\": $i, \"eval/success_rate\": NaN}" >> "$HYPERTOP_METRICS" ;;
    silent) echo "{\"step\": $i, \"train/loss\": 1.0}" >> "$HYPERTOP_METRICS" ;;
    garbage) echo "this is not json {{{" >> "$HYPERTOP_METRICS"; echo "{\"step\": $i, \"eval/success_rate\": $x}" >> "$HYPERTOP_METRICS" ;;
    crash) echo "{\"step\": $i, \"eval/success_rate\": 99}" >> "$HYPERTOP_METRICS"; echo "boom: simulated crash" >&2; exit 3 ;;
    table) printf -- '-------------------------\n| eval/           |     |\n|    success_rate | %s |\n| time/           |     |\n|    total_timesteps | %s |\n-------------------------\n' "$x" "$((i*100))" ;;
    csv) [ "$i" = 1 ] && echo "time/total_timesteps,eval/success_rate" > "$HYPERTOP_TRIAL_DIR/progress.csv"; echo "$((i*100)),$x" >> "$HYPERTOP_TRIAL_DIR/progress.csv" ;;
    score) echo "{\"step\": $i, \"eval/success_rate\": 0.1}" >> "$HYPERTOP_METRICS"; [ "$i" = "$epochs" ] && echo "hyperopt_score=$x" ;;
  esac
  i=$((i+1))
done
exit 0
