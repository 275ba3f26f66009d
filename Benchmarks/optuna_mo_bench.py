"""Optuna's side of the multi-objective benchmark: the problems of
Sources/hypertop-bench/MultiObjective.swift with Optuna's TPESampler, NSGAIISampler and RandomSampler
(defaults, seeded), and CmaEsSampler and QMCSampler on the single-objective problems of
optuna_sampler_bench.py; prints JSON like hypertop-bench.

    python optuna_mo_bench.py mo-quality [--seeds 16] [--trials 200] [--samplers tpe,nsgaii,random]
    python optuna_mo_bench.py mo-cost [--sizes 100,1000] [--asks 10] [--samplers tpe,nsgaii]
    python optuna_mo_bench.py so-quality [--seeds 16] [--trials 100]
    python optuna_mo_bench.py mo-check
"""
import argparse
import json
import math
import random
import statistics
import sys
import time
import warnings

import numpy as np
import optuna
from optuna._hypervolume import compute_hypervolume
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from optuna_sampler_bench import PROBLEMS as SO_PROBLEMS
from optuna_sampler_bench import SplitMix64, median_ms, run_study

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")  # QMCSampler is experimental; CmaEsSampler warns about categoricals
MO_CHECKPOINTS = [50, 100, 200]
SO_CHECKPOINTS = [25, 50, 100]
F = FloatDistribution


def zdt(n, second):
    """ZDT1 (second = sqrt) or ZDT2 (second = square) with n variables in [0, 1]."""
    def fn(p):
        x = [p[f"x{i}"] for i in range(n)]
        g = 1 + 9 * sum(x[1:]) / (n - 1)
        f1 = x[0]
        h = 1 - math.sqrt(f1 / g) if second == "sqrt" else 1 - (f1 / g) ** 2
        return [f1, g * h]
    return fn


def dtlz2(n, m):
    def fn(p):
        x = [p[f"x{i}"] for i in range(n)]
        g = sum((xi - 0.5) ** 2 for xi in x[m - 1:])
        out = []
        for i in range(m):
            v = 1 + g
            for xj in x[:m - 1 - i]:
                v *= math.cos(xj * math.pi / 2)
            if i > 0:
                v *= math.sin(x[m - 1 - i] * math.pi / 2)
            out.append(v)
        return out
    return fn


# The mixed problem: cost (minimize) against score (maximize). Each activation has its own front
# (offset in cost, scale of the loss), and together they make one front of three pieces;
# learning rate, y and layers move a point away from the front (g > 1).
ACTIVATION_SHIFT = {"relu": (0.0, 1.0), "gelu": (0.15, 0.6), "tanh": (0.4, 0.3)}


def mixed(p):
    a = (math.log10(p["learning_rate"]) + 2.5) / 1.5
    b = (p["y"] - 0.5) / 2.5
    g = 1 + a * a + b * b + abs(p["layers"] - 5) / 4
    offset, scale = ACTIVATION_SHIFT[p["activation"]]
    return [p["x"] + offset, 4.5 - scale * g * (1 - math.sqrt(p["x"]))]


def unit_space(n):
    return {f"x{i}": F(0, 1) for i in range(n)}


# name: (directions, space, function, reference point in losses: maximized objectives negated)
MO_PROBLEMS = {
    "zdt1-5": (["minimize", "minimize"], unit_space(5), zdt(5, "sqrt"), [1.1, 11.0]),
    "zdt1-10": (["minimize", "minimize"], unit_space(10), zdt(10, "sqrt"), [1.1, 11.0]),
    "zdt2-5": (["minimize", "minimize"], unit_space(5), zdt(5, "square"), [1.1, 11.0]),
    "zdt2-10": (["minimize", "minimize"], unit_space(10), zdt(10, "square"), [1.1, 11.0]),
    "dtlz2-3obj-6": (["minimize", "minimize", "minimize"], unit_space(6), dtlz2(6, 3), [1.1, 1.1, 1.1]),
    "mixed-2obj": (["minimize", "maximize"], {
        "learning_rate": F(1e-4, 1e-1, log=True), "x": F(0, 1), "y": F(-2, 2),
        "layers": IntDistribution(1, 8),
        "activation": CategoricalDistribution(["relu", "gelu", "tanh"])}, mixed, [1.5, 0.0]),
}


def losses(values, directions):
    return [-v if d == "maximize" else v for v, d in zip(values, directions)]


def hypervolume(loss_rows, reference):
    """Exact hypervolume of the points strictly inside the reference (the others add nothing)."""
    inside = [r for r in loss_rows if all(a < b for a, b in zip(r, reference))]
    if not inside:
        return 0.0
    return float(compute_hypervolume(np.array(inside, dtype=float), np.array(reference, dtype=float)))


def run_mo_study(sampler, directions, space, fn, reference, trials, checkpoints=MO_CHECKPOINTS):
    study = optuna.create_study(directions=directions, sampler=sampler)
    rows, out = [], []
    for t in range(trials):
        trial = study.ask(space)
        values = fn(trial.params)
        study.tell(trial, values)
        rows.append(losses(values, directions))
        if t + 1 in checkpoints:
            out.append(hypervolume(rows, reference))
    return out


MO_SAMPLERS = {
    "tpe": lambda s: optuna.samplers.TPESampler(seed=s),
    "nsgaii": lambda s: optuna.samplers.NSGAIISampler(seed=s),
    "random": lambda s: optuna.samplers.RandomSampler(seed=s),
}


def mo_quality(seeds, trials, samplers, only=None):
    marks = [c for c in MO_CHECKPOINTS if c <= trials]
    result = {}
    for name, (directions, space, fn, reference) in MO_PROBLEMS.items():
        if only and name not in only:
            continue
        per_sampler = {}
        for label in samplers:
            start = time.perf_counter()
            by_checkpoint = {str(c): [] for c in marks}
            for seed in range(seeds):
                hvs = run_mo_study(MO_SAMPLERS[label](seed), directions, space, fn, reference, trials, marks)
                for c, v in zip(marks, hvs):
                    by_checkpoint[str(c)].append(v)
            per_sampler[label] = by_checkpoint
            print(f"optuna mo-quality: {name} {label} {time.perf_counter() - start:.1f} s", file=sys.stderr)
        result[name] = {"directions": directions, "reference": reference, "samplers": per_sampler}
    return result


SO_SAMPLERS = {
    "cmaes": lambda s: optuna.samplers.CmaEsSampler(seed=s),
    "qmc": lambda s: optuna.samplers.QMCSampler(seed=s),
    "qmc-scrambled": lambda s: optuna.samplers.QMCSampler(scramble=True, seed=s),
    "random": lambda s: optuna.samplers.RandomSampler(seed=s),
}


def so_quality(seeds, trials):
    marks = [c for c in SO_CHECKPOINTS if c <= trials]
    result = {}
    for name, (direction, space, fn) in SO_PROBLEMS.items():
        per_sampler = {}
        for label, make in SO_SAMPLERS.items():
            by_checkpoint = {str(c): [] for c in marks}
            for seed in range(seeds):
                for c, v in zip(marks, run_study(make(seed), direction, space, fn, seed, trials, marks)):
                    by_checkpoint[str(c)].append(v)
            per_sampler[label] = by_checkpoint
        result[name] = {"direction": direction, "samplers": per_sampler}
        print(f"optuna so-quality: {name} done", file=sys.stderr)
    return result


COST_POPULATION = 50  # NSGAIISampler's default population_size


def mo_cost(label, n, asks):
    """Median ms per ask + tell on ZDT1 with 10 variables, n complete trials already in the study.
    The history is random and added without sampling; for NSGA-II each added trial carries the
    generation Optuna would have given it (its number // population size), so the sampler breeds
    from it as from its own generations (hypertop derives generations from trial numbers alike)."""
    directions, space, fn, _ = MO_PROBLEMS["zdt1-10"]
    sampler = MO_SAMPLERS[label](0)
    study = optuna.create_study(directions=directions, sampler=sampler)
    rng = random.Random(12345)
    history = []
    for t in range(n):
        p = {k: rng.uniform(0, 1) for k in space}
        attrs = {"NSGAIISampler:generation": t // COST_POPULATION} if label == "nsgaii" else {}
        history.append(optuna.trial.create_trial(params=p, distributions=space, values=fn(p), system_attrs=attrs))
    study.add_trials(history)

    def ask_and_tell():
        trial = study.ask(space)
        study.tell(trial, fn(trial.params))

    ask_and_tell()  # warm-up (NSGA-II selects the parents of every generation here)
    return median_ms(ask_and_tell, asks)


def uniform_point(space, g):
    """A point drawn as hypertop's Distribution.sampleUniform draws it from the same generator."""
    p = {}
    for pname, d in space.items():
        u = g.unit()
        if isinstance(d, CategoricalDistribution):
            p[pname] = d.choices[min(len(d.choices) - 1, int(u * len(d.choices)))]
        elif isinstance(d, IntDistribution):
            p[pname] = d.low + int(u * ((d.high - d.low) // d.step + 1)) * d.step
        elif d.log:
            p[pname] = min(d.high, math.exp(math.log(d.low) + u * (math.log(d.high) - math.log(d.low))))
        else:
            p[pname] = min(d.high, d.low + u * (d.high - d.low))
    return p


def mo_check():
    """Objective values at 5 fixed points and the hypervolume of 100 fixed points per problem."""
    out = {}
    for name, (directions, space, fn, reference) in MO_PROBLEMS.items():
        g = SplitMix64(7)
        rows = [fn(uniform_point(space, g)) for _ in range(100)]
        out[name] = {"values": rows[:5],
                     "hypervolume": hypervolume([losses(r, directions) for r in rows], reference)}
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["mo-quality", "mo-cost", "so-quality", "mo-check"])
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--trials", type=int)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--asks", type=int, default=10)
    parser.add_argument("--samplers", help="mo-quality: tpe,nsgaii,random; mo-cost: tpe,nsgaii")
    parser.add_argument("--problems", help="comma-separated subset of the problems (mo-quality)")
    args = parser.parse_args()
    if args.command == "mo-quality":
        only = set(args.problems.split(",")) if args.problems else None
        samplers = (args.samplers or "tpe,nsgaii,random").split(",")
        print(json.dumps({"quality": mo_quality(args.seeds, args.trials or 200, samplers, only)},
                         sort_keys=True))
    elif args.command == "so-quality":
        print(json.dumps({"quality": so_quality(args.seeds, args.trials or 100)}, sort_keys=True))
    elif args.command == "mo-cost":
        args.samplers = args.samplers or "tpe,nsgaii"
        result = {}
        for label in args.samplers.split(","):
            result[label] = {}
            for n in (int(s) for s in args.sizes.split(",")):
                result[label][str(n)] = mo_cost(label, n, args.asks)
                print(f"optuna mo-cost: {label} n={n} {result[label][str(n)]:.2f} ms", file=sys.stderr)
        print(json.dumps({"cost": result}, sort_keys=True))
    else:
        print(json.dumps({"check": mo_check()}, sort_keys=True))


if __name__ == "__main__":
    main()
