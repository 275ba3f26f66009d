"""Combines hypertop-bench's and Optuna's JSON results into one Markdown table.

    python sampler_report.py ours_quality.json optuna_quality.json ours_cost.json[,...] optuna_cost.json[,...] \
        ours_check.json optuna_check.json > sampler.md

Several cost files per side (comma-separated, one per round) are combined by their median per size.
"""
import json
import statistics
import sys

CHECKPOINTS = ["25", "50", "100"]


def load(path, key):
    with open(path) as f:
        return json.load(f)[key]


def load_rounds(paths, key):
    """Per size, the value of each round (files given comma-separated)."""
    rounds = [load(p, key) for p in paths.split(",")]
    return {n: [r[n] for r in rounds if n in r] for n in rounds[0]}


def quartiles(values):
    q = statistics.quantiles(sorted(values), n=4, method="inclusive")
    return q[0], statistics.median(values), q[2]


def fmt(x):
    return f"{x:.4g}"


def main():
    ours_q, optuna_q = load(sys.argv[1], "quality"), load(sys.argv[2], "quality")
    ours_rounds, optuna_rounds = load_rounds(sys.argv[3], "cost"), load_rounds(sys.argv[4], "cost")
    ours_c = {n: statistics.median(v) for n, v in ours_rounds.items()}
    optuna_c = {n: statistics.median(v) for n, v in optuna_rounds.items()}
    ours_k, optuna_k = load(sys.argv[5], "check"), load(sys.argv[6], "check")
    lines = []
    mismatched = [name for name in ours_k
                  if any(abs(a - b) > 1e-9 * max(1.0, abs(a)) for a, b in zip(ours_k[name], optuna_k.get(name, [])))
                  or name not in optuna_k]
    lines.append("## Sampler quality: best value found (noise-free value of the best observed trial)")
    lines.append("")
    seeds = len(next(iter(ours_q.values()))["samplers"]["tpe"]["100"])
    lines.append(f"Median [interquartile range] over {seeds} seeds. "
                 + ("Problem definitions agree on both sides (checked at 5 points each)."
                    if not mismatched else f"WARNING: problem definitions differ: {', '.join(mismatched)}"))
    lines.append("")
    lines.append("| problem | dir | sampler | after 25 | after 50 | after 100 | verdict at 100 |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    verdicts = {}
    for name in ours_q:
        direction = ours_q[name]["direction"]
        rows = [("hypertop tpe", ours_q[name]["samplers"]["tpe"]), ("optuna tpe", optuna_q[name]["samplers"]["tpe"]),
                ("hypertop random", ours_q[name]["samplers"]["random"]),
                ("optuna random", optuna_q[name]["samplers"]["random"])]
        better = (lambda a, b: a >= b) if direction == "maximize" else (lambda a, b: a <= b)
        ours = quartiles(rows[0][1]["100"])
        optuna_tpe = quartiles(rows[1][1]["100"])
        optuna_random = quartiles(rows[3][1]["100"])
        as_good = better(ours[1], optuna_tpe[1]) or optuna_tpe[0] <= ours[1] <= optuna_tpe[2]
        beats_random = better(ours[1], optuna_random[1]) and ours[1] != optuna_random[1]
        verdicts[name] = (as_good, beats_random)
        for label, data in rows:
            cells = []
            for c in CHECKPOINTS:
                lo, med, hi = quartiles(data[c])
                cells.append(f"{fmt(med)} [{fmt(lo)}, {fmt(hi)}]")
            verdict = ""
            if label == "hypertop tpe":
                verdict = ("≥ optuna tpe" if as_good else "WORSE than optuna tpe") + ", " + (
                    "> random" if beats_random else "NOT better than random")
            lines.append(f"| {name} | {direction[:3]} | {label} | " + " | ".join(cells) + f" | {verdict} |")
    lines.append("")
    lines.append("## Sampler cost: median milliseconds per ask + tell, 3 parameters (float, log float, categorical)")
    lines.append("")
    lines.append("| trials in study | hypertop tpe (ms) | optuna tpe (ms) | optuna / hypertop |")
    lines.append("| --- | --- | --- | --- |")
    for n in sorted(ours_c, key=int):
        ours, theirs = ours_c[n], optuna_c.get(n)
        ratio = f"{theirs / ours:.0f}x" if theirs else "n/a"
        lines.append(f"| {n} | {ours:.4f} | {theirs:.2f} | {ratio} |" if theirs else f"| {n} | {ours:.4f} | n/a | n/a |")
    lines.append("")
    rounds = len(ours_rounds.get("1000", []))
    if rounds > 1 and "1000" in optuna_rounds:
        per_round = ", ".join(f"{t / o:.0f}x" for o, t in zip(ours_rounds["1000"], optuna_rounds["1000"]))
        lines.append(f"Each side ran {rounds} rounds, alternating (ours, Optuna's, ours, ...); the table gives each "
                     f"side's median over the rounds. Per round at trial 1000: {per_round}.")
        lines.append("")
    ok = all(a and b for a, b in verdicts.values())
    lines.append(f"Quality acceptance (as good as Optuna's TPE and better than random on every problem): "
                 f"{'PASS' if ok else 'FAIL'}")
    if "1000" in ours_c and "1000" in optuna_c:
        r = optuna_c["1000"] / ours_c["1000"]
        lines.append(f"Speed acceptance (at least 100x faster per ask at trial 1000): {r:.0f}x, "
                     f"{'PASS' if r >= 100 else 'FAIL'}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
