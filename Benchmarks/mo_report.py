"""Combines hypertop-bench's and Optuna's multi-objective results into one Markdown report.

    python mo_report.py ours_mo.json optuna_mo.json ours_cost.json[,...] optuna_cost.json[,...] \
        ours_so.json optuna_so.json ours_check.json optuna_check.json "machine description" > sampler-mo.md

Several cost files per side (comma-separated, one per round) are combined by their median per
sampler and size. A hypertop median is "within" Optuna's interquartile range when it lies between
Optuna's first and third quartiles, "above" when it is better than the third (for hypervolume,
higher), "BELOW" when worse than the first.
"""
import json
import math
import statistics
import sys

MO_SAMPLERS = ["tpe", "nsgaii", "random"]
SO_SAMPLERS = ["cmaes", "qmc", "qmc-scrambled", "random"]
COST_TARGET = 20


def load(path, key):
    with open(path) as f:
        return json.load(f)[key]


def quartiles(values):
    if len(values) < 2:
        return values[0], values[0], values[0]
    q = statistics.quantiles(sorted(values), n=4, method="inclusive")
    return q[0], statistics.median(values), q[2]


def fmt(x):
    return f"{x:.4g}"


def cell(values):
    lo, med, hi = quartiles(values)
    return f"{fmt(med)} [{fmt(lo)}, {fmt(hi)}]"


def verdict(ours, theirs, higher_is_better=True):
    """Where our median lies against their interquartile range."""
    med = quartiles(ours)[1]
    lo, _, hi = quartiles(theirs)
    slack = 1e-12 * max(1.0, abs(lo), abs(hi))  # the same points on both sides may round differently
    if lo - slack <= med <= hi + slack:
        return "within"
    better = med > hi if higher_is_better else med < lo
    return "above" if better else "BELOW"


def front_hypervolume_2d(points, reference):
    """Hypervolume of 2-objective loss points (used for the mixed problem's true front)."""
    hv, best_y = 0.0, reference[1]
    for x, y in sorted(points):
        if x < reference[0] and y < best_y:
            hv += (reference[0] - x) * (best_y - y)
            best_y = y
    return hv


def best_hypervolume(name, reference):
    """The largest hypervolume the problem allows (its whole true front), for scale."""
    if name.startswith("zdt1"):
        return reference[0] * reference[1] - 1 / 3
    if name.startswith("zdt2"):
        return reference[0] * reference[1] - 2 / 3
    if name.startswith("dtlz2"):
        return math.prod(reference) - math.pi / 6
    if name == "mixed-2obj":
        shifts = [(0.0, 1.0), (0.15, 0.6), (0.4, 0.3)]
        n = 20000
        points = [(k / n + a, -4.5 + b * (1 - math.sqrt(k / n))) for a, b in shifts for k in range(n + 1)]
        return front_hypervolume_2d(points, reference)
    return float("nan")


def load_rounds(paths):
    """sampler -> size -> the value of each round."""
    rounds = [load(p, "cost") for p in paths.split(",")]
    out = {}
    for r in rounds:
        for sampler, sizes in r.items():
            for n, v in sizes.items():
                out.setdefault(sampler, {}).setdefault(n, []).append(v)
    return out


def check_mismatches(ours, theirs):
    bad = []
    for name in ours:
        o, t = ours[name], theirs.get(name)
        if t is None:
            bad.append(name)
            continue
        values_differ = any(abs(a - b) > 1e-9 * max(1.0, abs(a))
                            for r, s in zip(o["values"], t["values"]) for a, b in zip(r, s))
        hv_differs = abs(o["hypervolume"] - t["hypervolume"]) > 1e-9 * max(1.0, abs(o["hypervolume"]))
        if values_differ or hv_differs:
            bad.append(name)
    return bad


def main():
    ours_mo, optuna_mo = load(sys.argv[1], "quality"), load(sys.argv[2], "quality")
    ours_rounds, optuna_rounds = load_rounds(sys.argv[3]), load_rounds(sys.argv[4])
    ours_so, optuna_so = load(sys.argv[5], "quality"), load(sys.argv[6], "quality")
    ours_k, optuna_k = load(sys.argv[7], "check"), load(sys.argv[8], "check")
    machine = sys.argv[9] if len(sys.argv) > 9 else "unknown machine"
    mismatched = check_mismatches(ours_k, optuna_k)

    first = next(iter(ours_mo.values()))
    marks = sorted(first["samplers"]["tpe"], key=int)
    seeds = len(first["samplers"]["tpe"][marks[0]])
    lines = ["# Multi-objective samplers: hypertop against Optuna", ""]
    lines.append(f"Run on {machine}.")
    lines.append("")
    lines.append("## Quality: hypervolume of all trials so far (higher is better)")
    lines.append("")
    lines.append(
        f"Median [interquartile range] over {seeds} seeds (0..{seeds - 1}, the same on both sides) of the exact "
        "hypervolume of every trial so far, each side computing its own (hypertop `Pareto.hypervolume`, Optuna "
        "`compute_hypervolume`). Samplers with their defaults: TPE (Optuna 5's multi-objective split), NSGA-II "
        "(population 50: 200 trials are 4 generations), random. hypertop asks as its scheduler does with "
        "`max_trials_per_param: 1` (a set already run is asked again). "
        + ("Problem definitions and hypervolumes agree on both sides (values at 5 points, hypervolume of 100 points)."
           if not mismatched else f"WARNING: problem definitions differ: {', '.join(mismatched)}."))
    lines.append("")
    lines.append("Problems (all objectives minimized unless said; reference point in the objectives' units):")
    lines.append("")
    lines.append("- zdt1-5, zdt1-10, zdt2-5, zdt2-10: ZDT1 (convex front) and ZDT2 (concave front) with 5 and 10 "
                 "variables in [0, 1]; reference [1.1, 11], which holds every point (f1 <= 1, f2 <= 10).")
    lines.append("- dtlz2-3obj-6: DTLZ2, 3 objectives, 6 variables in [0, 1]; reference [1.1, 1.1, 1.1].")
    lines.append("- mixed-2obj: cost (minimize) against score (maximize); learning rate (log float 1e-4..0.1), x and "
                 "y (floats), layers (int 1..8), activation (relu, gelu, tanh: each has its own front, offset in "
                 "cost and scaled in loss, and the true front has a piece of each); reference cost 1.5, score 0, "
                 "which holds every point. Defined in `Sources/hypertop-bench/MultiObjective.swift` and "
                 "`Benchmarks/optuna_mo_bench.py`.")
    lines.append("")
    header = " | ".join(f"after {m}" for m in marks)
    lines.append(f"| problem (best possible) | sampler | {header} | hypertop's median vs Optuna's IQR ({'; '.join(marks)}) |")
    lines.append("| --- | --- | " + " | ".join("---" for _ in marks) + " | --- |")
    misses = []
    passes = {s: [0, 0] for s in MO_SAMPLERS}
    for name in ours_mo:
        reference = ours_mo[name]["reference"]
        loss_reference = reference
        best = best_hypervolume(name, loss_reference)
        label = f"{name} ({fmt(best)})"
        for sampler in MO_SAMPLERS:
            ours = ours_mo[name]["samplers"].get(sampler)
            theirs = optuna_mo.get(name, {}).get("samplers", {}).get(sampler)
            if ours is None or theirs is None:
                continue
            verdicts = [verdict(ours[m], theirs[m]) for m in marks]
            for m, v in zip(marks, verdicts):
                passes[sampler][1] += 1
                if v != "BELOW":
                    passes[sampler][0] += 1
                elif sampler != "random":
                    lo, med, hi = quartiles(theirs[m])
                    misses.append(f"{name} {sampler} after {m}: hypertop {fmt(quartiles(ours[m])[1])}, "
                                  f"Optuna {fmt(med)} [{fmt(lo)}, {fmt(hi)}]")
            lines.append(f"| {label} | hypertop {sampler} | " + " | ".join(cell(ours[m]) for m in marks)
                         + f" | {'; '.join(verdicts)} |")
            lines.append(f"| {label} | optuna {sampler} | " + " | ".join(cell(theirs[m]) for m in marks) + " |  |")
    lines.append("")
    for sampler in MO_SAMPLERS:
        ok, total = passes[sampler]
        lines.append(f"- hypertop {sampler}: median within or above Optuna's interquartile range in {ok} of {total} "
                     f"(problem, trial count) pairs" + (" (a check of the harness: both are uniform)" if sampler == "random" else ""))
    lines.append("")
    lines.append("After 50 trials NSGA-II has drawn only its first generation, uniformly at random (Optuna's is its "
                 "RandomSampler's with the same seed), so that column compares two uniform samples, as the random "
                 "rows do everywhere: they show how often two samplers that draw from one distribution land outside "
                 "each other's interquartile range by chance alone.")
    lines.append("")
    target_ok = all(passes[s][0] == passes[s][1] for s in ("tpe", "nsgaii"))
    lines.append("Quality target (TPE and NSGA-II reach Optuna's median within its interquartile range on every "
                 f"problem): {'PASS' if target_ok else 'FAIL'}" + ("" if target_ok else ", below it at:"))
    for m in misses:
        lines.append(f"- {m}")
    lines.append("")

    lines.append("## Cost: median milliseconds per ask + tell, ZDT1 with 10 variables, 2 objectives")
    lines.append("")
    lines.append("The study holds that many random complete trials, added without sampling (for Optuna's NSGA-II "
                 "each carries the generation Optuna would have given it, number // 50, so the sampler breeds "
                 "from 50-trial generations as hypertop's does); the first ask is a warm-up. Random is the floor: "
                 "what an ask + tell costs around the sampler (Optuna's study and storage, hypertop's harness).")
    lines.append("")
    lines.append("| trials in study | sampler | hypertop (ms) | optuna (ms) | optuna / hypertop | target 20x |")
    lines.append("| --- | --- | --- | --- | --- | --- |")
    cost_misses = []
    sizes = sorted({n for s in ours_rounds.values() for n in s}, key=int)
    order = [s for s in ("tpe", "nsgaii", "random") if s in ours_rounds]
    for n in sizes:
        for sampler in order:
            o_rounds = ours_rounds[sampler].get(n)
            t_rounds = optuna_rounds.get(sampler, {}).get(n)
            if not o_rounds or not t_rounds:
                continue
            o, t = statistics.median(o_rounds), statistics.median(t_rounds)
            ratio = t / o
            per_round = ", ".join(f"{b / a:.0f}x" for a, b in zip(o_rounds, t_rounds))
            mark = "" if sampler == "random" else ("PASS" if ratio >= COST_TARGET else "FAIL")
            if mark == "FAIL":
                cost_misses.append(f"{sampler} at {n} trials: {ratio:.1f}x")
            lines.append(f"| {n} | {sampler} | {o:.4f} | {t:.3f} | {ratio:.1f}x (rounds: {per_round}) | {mark} |")
    lines.append("")
    rounds = len(next(iter(next(iter(ours_rounds.values())).values())))
    lines.append(f"Each side ran {rounds} rounds, alternating (hypertop, Optuna, hypertop, ...); the table gives each "
                 "side's median over the rounds, and each round's ratio.")
    lines.append("")
    lines.append(f"Cost target (at least {COST_TARGET}x cheaper per ask, TPE and NSGA-II): "
                 + ("PASS" if not cost_misses else "FAIL at " + "; ".join(cost_misses)))
    lines.append("")

    so_marks = sorted(next(iter(ours_so.values()))["samplers"]["cmaes"], key=int)
    so_seeds = len(next(iter(ours_so.values()))["samplers"]["cmaes"][so_marks[-1]])
    lines.append("## Single objective: CMA-ES and QMC, best value found (noise-free value of the best observed trial)")
    lines.append("")
    lines.append(
        f"The problems of `Benchmarks/results/sampler.md`; median [interquartile range] over {so_seeds} seeds, "
        "both sides drawing the same noise. CMA-ES and QMC with their defaults (QMC: Sobol', unscrambled, so the "
        "same points for every seed; Optuna spends its first trial at random, hypertop's trial n is Optuna's "
        "n + 1), qmc-scrambled: QMC with `scramble: true`, scrambled by the seed. The verdict compares "
        "hypertop's median with Optuna's interquartile range (above = better).")
    lines.append("")
    header = " | ".join(f"after {m}" for m in so_marks)
    lines.append(f"| problem | dir | sampler | {header} | verdict ({'; '.join(so_marks)}) |")
    lines.append("| --- | --- | --- | " + " | ".join("---" for _ in so_marks) + " | --- |")
    so_misses = []
    for name in ours_so:
        direction = ours_so[name]["direction"]
        for sampler in SO_SAMPLERS:
            ours = ours_so[name]["samplers"].get(sampler)
            theirs = optuna_so.get(name, {}).get("samplers", {}).get(sampler)
            if ours is None or theirs is None:
                continue
            verdicts = [verdict(ours[m], theirs[m], higher_is_better=direction == "maximize") for m in so_marks]
            if verdicts[-1] == "BELOW" and sampler != "random":
                lo, med, hi = quartiles(theirs[so_marks[-1]])
                so_misses.append(f"{name} {sampler} after {so_marks[-1]}: hypertop {fmt(quartiles(ours[so_marks[-1]])[1])}, "
                                 f"Optuna {fmt(med)} [{fmt(lo)}, {fmt(hi)}]")
            lines.append(f"| {name} | {direction[:3]} | hypertop {sampler} | " + " | ".join(cell(ours[m]) for m in so_marks)
                         + f" | {'; '.join(verdicts)} |")
            lines.append(f"| {name} | {direction[:3]} | optuna {sampler} | " + " | ".join(cell(theirs[m]) for m in so_marks)
                         + " |  |")
    lines.append("")
    lines.append(f"CMA-ES and QMC as good as Optuna's after {so_marks[-1]} trials (median within or above its "
                 "interquartile range): " + ("PASS" if not so_misses else "FAIL, below it at:"))
    for m in so_misses:
        lines.append(f"- {m}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
