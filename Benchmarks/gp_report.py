"""Combines the GP comparison's JSON results (hypertop-bench gp-quality/gp-cost and
optuna_sampler_bench.py gp-quality/gp-cost) into one Markdown report.

    python gp_report.py ours_quality.json optuna_quality.json ours_cost.json[,...] optuna_cost.json[,...] > sampler-gp.md

Several cost files per side (comma-separated, one per round) are combined by their median per size.
"""
import statistics
import sys

from sampler_report import fmt, load, load_rounds, quartiles

BUDGETS = ["8", "16", "32", "64"]
TARGET_BUDGETS = ["16", "32"]


def main():
    ours_q, optuna_q = load(sys.argv[1], "quality"), load(sys.argv[2], "quality")
    ours_rounds, optuna_rounds = load_rounds(sys.argv[3], "cost"), load_rounds(sys.argv[4], "cost")
    ours_c = {n: statistics.median(v) for n, v in ours_rounds.items()}
    optuna_c = {n: statistics.median(v) for n, v in optuna_rounds.items()}
    seeds = len(next(iter(ours_q.values()))["samplers"]["gp"]["16"])
    lines = ["## GP sampler quality: best value found (noise-free value of the best observed trial)", "",
             f"Median [interquartile range] over {seeds} seeds; both sides draw the same noise. "
             "Verdict at 16 and 32 trials: hypertop gp against Optuna's GPSampler (a median inside its "
             "interquartile range is a tie) and against hypertop tpe.", "",
             "| problem | dir | sampler | after 8 | after 16 | after 32 | after 64 | verdict (16; 32) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    ties_or_better, beats_tpe, cells_total = 0, 0, 0
    for name in ours_q:
        direction = ours_q[name]["direction"]
        better = (lambda a, b: a > b) if direction == "maximize" else (lambda a, b: a < b)
        rows = [("hypertop gp", ours_q[name]["samplers"]["gp"]), ("optuna gp", optuna_q[name]["samplers"]["gp"]),
                ("hypertop tpe", ours_q[name]["samplers"]["tpe"]), ("optuna tpe", optuna_q[name]["samplers"]["tpe"])]
        verdicts = []
        for b in TARGET_BUDGETS:
            ours = quartiles(rows[0][1][b])
            theirs = quartiles(rows[1][1][b])
            tpe = quartiles(rows[2][1][b])
            if better(ours[1], theirs[1]) or ours[1] == theirs[1]:
                v = "≥ optuna gp"
                ties_or_better += 1
            elif theirs[0] <= ours[1] <= theirs[2]:
                v = "tie with optuna gp"
                ties_or_better += 1
            else:
                v = "WORSE than optuna gp"
            if better(ours[1], tpe[1]):
                v += ", > our tpe"
                beats_tpe += 1
            else:
                v += ", not > our tpe"
            cells_total += 1
            verdicts.append(v)
        for label, data in rows:
            cells = []
            for b in BUDGETS:
                lo, med, hi = quartiles(data[b])
                cells.append(f"{fmt(med)} [{fmt(lo)}, {fmt(hi)}]")
            verdict = "; ".join(verdicts) if label == "hypertop gp" else ""
            lines.append(f"| {name} | {direction[:3]} | {label} | " + " | ".join(cells) + f" | {verdict} |")
    lines += ["", "## GP sampler cost: median milliseconds per ask, 3 parameters (float, log float, categorical)", "",
              "| trials in study | hypertop gp (ms) | optuna gp (ms) | optuna / hypertop |", "| --- | --- | --- | --- |"]
    for n in sorted(ours_c, key=int):
        ours, theirs = ours_c[n], optuna_c.get(n)
        lines.append(f"| {n} | {ours:.3f} | {theirs:.2f} | {theirs / ours:.0f}x |" if theirs else f"| {n} | {ours:.3f} | n/a | n/a |")
    rounds = len(ours_rounds.get("32", []))
    if rounds > 1 and "32" in optuna_rounds:
        per_round = ", ".join(f"{t / o:.0f}x" for o, t in zip(ours_rounds["32"], optuna_rounds["32"]))
        lines += ["", f"Each side ran {rounds} rounds, alternating; the table gives each side's median over the rounds. "
                      f"Per round at 32 trials: {per_round}."]
    lines += ["", f"Quality target (as good as Optuna's GPSampler at 16 and 32 trials, ties within its IQR): "
                  f"{ties_or_better} of {cells_total} {'PASS' if ties_or_better == cells_total else 'FAIL'}",
              f"Better than hypertop tpe at 16 and 32 trials: {beats_tpe} of {cells_total} "
              f"{'PASS (most)' if beats_tpe * 2 > cells_total else 'FAIL'}"]
    if "32" in ours_c and "32" in optuna_c:
        r = optuna_c["32"] / ours_c["32"]
        lines.append(f"Cost target (at least 20x cheaper per ask at 32 trials): {r:.0f}x {'PASS' if r >= 20 else 'FAIL'}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
