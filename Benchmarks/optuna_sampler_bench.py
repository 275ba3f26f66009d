"""Optuna's side of the sampler benchmark: the problems of Sources/hypertop-bench/Problems.swift,
with Optuna's TPESampler (defaults) and RandomSampler; prints JSON like hypertop-bench.

    python optuna_sampler_bench.py quality [--seeds 20] [--trials 100]
    python optuna_sampler_bench.py cost [--sizes 100,500,1000,5000] [--asks 20]
    python optuna_sampler_bench.py gp-quality [--seeds 8] [--trials 64]   (GPSampler and TPE at 8, 16, 32, 64)
    python optuna_sampler_bench.py gp-cost [--sizes 16,32,64,128] [--asks 5]
    python optuna_sampler_bench.py check
"""
import argparse
import json
import math
import random
import statistics
import sys
import time

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

optuna.logging.set_verbosity(optuna.logging.WARNING)
MASK = (1 << 64) - 1
CHECKPOINTS = [25, 50, 100]


class SplitMix64:
    """The generator of hypertop's SeededGenerator, so both sides draw the same noise."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def unit(self):
        return (self.next() >> 11) * 2.0**-53


def bench_noise(seed, trial):
    g = SplitMix64((seed << 32) | trial)
    u1, u2 = g.unit(), g.unit()
    return math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)


def noisy_rl_mixed(p, seed, trial):
    a = (math.log(p["learning_rate"]) - math.log(1.5e-3)) / 0.5
    b = (p["gamma"] - 0.97) / 0.02
    c = (math.log(p["tau"]) - math.log(0.02)) / 0.7
    scale = 0.9 if p["critic_select"] == "min" else 0.75
    truth = scale * math.exp(-0.5 * (a * a + b * b + c * c + 0.6 * a * c))
    return truth + 0.05 * bench_noise(seed, trial), truth


def branin(p, seed, trial):
    x1, x2 = p["x1"], p["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    v = (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10
    return v, v


HART_ALPHA = [1.0, 1.2, 3.0, 3.2]
HART_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
HART_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
          [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(p, seed, trial):
    v = 0.0
    for i in range(4):
        inner = sum(HART_A[i][j] * (p[f"x{j}"] - HART_P[i][j]) ** 2 for j in range(6))
        v -= HART_ALPHA[i] * math.exp(-inner)
    return v, v


def rosenbrock4_log(p, seed, trial):
    v = 0.0
    for i in range(3):
        x, y = p[f"x{i}"], p[f"x{i + 1}"]
        v += 100 * (y - x * x) ** 2 + (1 - x) ** 2
    return v, v


ACTIVATION_PENALTY = {"relu": 0.3, "tanh": 0.5, "gelu": 0.0, "sigmoid": 1.0}


def int_categorical(p, seed, trial):
    layers, units = p["layers"] - 4, math.log2(p["units"]) - 7
    batch = (p["batch"] - 128) / 64
    v = 0.1 * layers**2 + 0.2 * units**2 + 0.05 * layers * units + 0.3 * batch**2 + ACTIVATION_PENALTY[p["activation"]]
    return v, v


def styblinski4_step(p, seed, trial):
    v = sum(0.5 * (x**4 - 16 * x * x + 5 * x) for x in (p[f"x{i}"] for i in range(4)))
    return v, v


F = FloatDistribution
PROBLEMS = {
    "noisy-rl-mixed": ("maximize", {
        "learning_rate": F(1e-4, 5e-3, log=True), "gamma": F(0.9, 0.99, log=True), "tau": F(0.005, 0.1, log=True),
        "critic_select": CategoricalDistribution(["min", "max"])}, noisy_rl_mixed),
    "branin": ("minimize", {"x1": F(-5, 10), "x2": F(0, 15)}, branin),
    "hartmann6": ("minimize", {f"x{j}": F(0, 1) for j in range(6)}, hartmann6),
    "rosenbrock4-log": ("minimize", {f"x{j}": F(1e-2, 10, log=True) for j in range(4)}, rosenbrock4_log),
    "int-categorical": ("minimize", {
        "layers": IntDistribution(1, 8), "units": IntDistribution(4, 1024, log=True),
        "batch": IntDistribution(16, 512, step=16),
        "activation": CategoricalDistribution(["relu", "tanh", "gelu", "sigmoid"])}, int_categorical),
    "styblinski4-step": ("minimize", {f"x{j}": F(-5, 5, step=0.1) for j in range(4)}, styblinski4_step),
}


def run_study(sampler, direction, space, fn, seed, trials, checkpoints=CHECKPOINTS):
    study = optuna.create_study(direction=direction, sampler=sampler)
    best_obs, best_truth, out = None, None, []
    better = (lambda a, b: a > b) if direction == "maximize" else (lambda a, b: a < b)
    for t in range(trials):
        trial = study.ask(space)
        observed, truth = fn(trial.params, seed, t)
        study.tell(trial, observed)
        if best_obs is None or better(observed, best_obs):
            best_obs, best_truth = observed, truth
        if t + 1 in checkpoints:
            out.append(best_truth)
    return out


def quality(seeds, trials):
    result = {}
    for name, (direction, space, fn) in PROBLEMS.items():
        per_sampler = {}
        for label, make in (("tpe", lambda s: optuna.samplers.TPESampler(seed=s)),
                            ("random", lambda s: optuna.samplers.RandomSampler(seed=s))):
            by_checkpoint = {str(c): [] for c in CHECKPOINTS}
            for seed in range(seeds):
                for c, v in zip(CHECKPOINTS, run_study(make(seed), direction, space, fn, seed, trials)):
                    by_checkpoint[str(c)].append(v)
            per_sampler[label] = by_checkpoint
        result[name] = {"direction": direction, "samplers": per_sampler}
        print(f"optuna quality: {name} done", file=sys.stderr)
    return result


def gp_quality(seeds, trials):
    marks = [c for c in (8, 16, 32, 64) if c <= trials]
    result = {}
    for name, (direction, space, fn) in PROBLEMS.items():
        per_sampler = {}
        for label, make in (("gp", lambda s: optuna.samplers.GPSampler(seed=s)),
                            ("tpe", lambda s: optuna.samplers.TPESampler(seed=s))):
            by_checkpoint = {str(c): [] for c in marks}
            for seed in range(seeds):
                for c, v in zip(marks, run_study(make(seed), direction, space, fn, seed, trials, marks)):
                    by_checkpoint[str(c)].append(v)
            per_sampler[label] = by_checkpoint
        result[name] = {"direction": direction, "samplers": per_sampler}
        print(f"optuna gp-quality: {name} done", file=sys.stderr)
    return result


COST_SPACE = {"x": F(-5, 5), "y": F(1e-4, 1, log=True), "c": CategoricalDistribution(["a", "b", "c"])}


def cost_objective(p):
    return p["x"] ** 2 + (math.log10(p["y"]) + 2) ** 2 + (0 if p["c"] == "b" else 1)


def study_with_history(sampler, n):
    """A study with n random complete trials of COST_SPACE, added without sampling."""
    rng = random.Random(12345)
    study = optuna.create_study(sampler=sampler)
    history = []
    for _ in range(n):
        p = {"x": rng.uniform(-5, 5), "y": math.exp(rng.uniform(math.log(1e-4), 0)), "c": rng.choice("abc")}
        history.append(optuna.trial.create_trial(params=p, distributions=COST_SPACE, value=cost_objective(p)))
    study.add_trials(history)
    return study


def median_ms(call, asks):
    """The median of single timings: other processes on a shared machine only add outliers."""
    times = []
    for _ in range(asks):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def cost(n, asks):
    """Median ms per ask + tell with n trials already in the study (history added without sampling)."""
    study = study_with_history(optuna.samplers.TPESampler(seed=0), n)

    def ask_and_tell():
        trial = study.ask()
        p = {"x": trial.suggest_float("x", -5, 5), "y": trial.suggest_float("y", 1e-4, 1, log=True),
             "c": trial.suggest_categorical("c", ["a", "b", "c"])}
        study.tell(trial, cost_objective(p))

    ask_and_tell()  # warm-up
    return median_ms(ask_and_tell, asks)


def gp_cost(n, asks):
    """Median ms per GPSampler ask with exactly n complete trials: each asked trial is told as
    failed, which GPSampler leaves out, so the history stays at n (hypertop-bench gp-cost does not tell)."""
    study = study_with_history(optuna.samplers.GPSampler(seed=0), n)

    def ask():
        trial = study.ask()
        trial.suggest_float("x", -5, 5)
        trial.suggest_float("y", 1e-4, 1, log=True)
        trial.suggest_categorical("c", ["a", "b", "c"])
        study.tell(trial, state=optuna.trial.TrialState.FAIL)

    ask()  # warm-up
    return median_ms(ask, asks)


def check():
    out = {}
    for name, (direction, space, fn) in PROBLEMS.items():
        values = []
        for k in range(5):
            g = SplitMix64(k)
            p = {}
            for pname, d in space.items():
                u = g.unit()
                if isinstance(d, CategoricalDistribution):
                    p[pname] = d.choices[min(len(d.choices) - 1, int(u * len(d.choices)))]
                elif isinstance(d, IntDistribution):
                    if d.log:
                        lo, hi = math.log(d.low - 0.5), math.log(d.high + 0.5)
                        p[pname] = min(max(int(round(math.exp(lo + u * (hi - lo)))), d.low), d.high)
                    else:
                        p[pname] = d.low + int(u * ((d.high - d.low) // d.step + 1)) * d.step
                elif d.step is not None:
                    p[pname] = d.low + int(u * (int((d.high - d.low) / d.step + 1e-9) + 1)) * d.step
                elif d.log:
                    p[pname] = math.exp(math.log(d.low) + u * (math.log(d.high) - math.log(d.low)))
                else:
                    p[pname] = d.low + u * (d.high - d.low)
            values.append(fn(p, 7, k)[0])
        out[name] = values
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["quality", "cost", "gp-quality", "gp-cost", "check"])
    parser.add_argument("--seeds", type=int)
    parser.add_argument("--trials", type=int)
    parser.add_argument("--sizes")
    parser.add_argument("--asks", type=int)
    args = parser.parse_args()
    gp = args.command.startswith("gp-")
    seeds = args.seeds or (8 if gp else 20)
    trials = args.trials or (64 if gp else 100)
    sizes = [int(s) for s in (args.sizes or ("16,32,64,128" if gp else "100,500,1000,5000")).split(",")]
    asks = args.asks or (5 if gp else 20)
    if args.command == "quality":
        print(json.dumps({"quality": quality(seeds, trials)}, sort_keys=True))
    elif args.command == "gp-quality":
        print(json.dumps({"quality": gp_quality(seeds, trials)}, sort_keys=True))
    elif args.command == "gp-cost":
        result = {}
        for n in sizes:
            result[str(n)] = gp_cost(n, asks)
            print(f"optuna gp-cost: n={n} {result[str(n)]:.2f} ms", file=sys.stderr)
        print(json.dumps({"cost": result}, sort_keys=True))
    elif args.command == "cost":
        result = {}
        for n in sizes:
            # Fewer timed asks where each one is slow, so the whole run stays short.
            result[str(n)] = cost(n, asks if n <= 1000 else max(3, asks // 4))
            print(f"optuna cost: n={n} {result[str(n)]:.2f} ms", file=sys.stderr)
        print(json.dumps({"cost": result}, sort_keys=True))
    else:
        print(json.dumps({"check": check()}, sort_keys=True))


if __name__ == "__main__":
    main()
