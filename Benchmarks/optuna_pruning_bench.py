"""The pruning benchmark's curves (Sources/hypertop-bench/Pruning.swift, the same generator bit for
bit) through Python Optuna's own pruners, in the same asynchronous order: 4 trials at a time,
each evaluation one time unit. Prints JSON: per pruner, per seed, the true value of the set
chosen (best last value among complete trials), the evaluations spent and the trials pruned."""
import json
import math
import sys

import optuna
from optuna.trial import TrialState

M = (1 << 64) - 1
EVALUATIONS = 20


class Mix:
    def __init__(self, a, b=0):
        self.state = ((a * 0x9E3779B97F4A7C15) & M) ^ ((b + 0x632BE59BD9B4E019) & M)

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        return z ^ (z >> 31)

    def unit(self):
        return (self.next() >> 11) * 2.0 ** -53

    def normal(self):
        u1, u2 = max(self.unit(), 1e-300), self.unit()
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def truth(x, y):
    early = 0.25 + 0.65 * math.exp(-((x - 0.65) * (x - 0.65) + (y - 0.35) * (y - 0.35)) / 0.05)
    late = 0.95 * math.exp(-((x - 0.2) * (x - 0.2) + (y - 0.85) * (y - 0.85)) / 0.02)
    return (late, True) if late > early else (early, False)


def run(x, y, run_seed):
    g = Mix(run_seed, 0xC0FFEE)
    value, late = truth(x, y)
    final = value + 0.04 * g.normal()
    out = []
    for k in range(1, EVALUATIONS + 1):
        t = k / EVALUATIONS
        shape = 1 / (1 + math.exp(-(t - 0.65) / 0.06)) if late else 1 - math.exp(-4 * t)
        if not late and x < 0.3 and 0.3 < t < 0.6:
            shape = min(shape, 0.55)
        out.append(final * shape + 0.03 * g.normal())
    return out


def params(seed, trial):
    g = Mix(seed, trial + 1)
    return g.unit(), g.unit()


def simulate(make_pruner, seed, trials, n_jobs, repeats=1):
    """With `repeats`, the repeat loop written on top of Optuna: each set's parameters run that
    many times as trials of their own (trial t runs set t // repeats), each pruned on its own."""
    study = optuna.create_study(study_name="bench", direction="maximize", pruner=make_pruner(),
                                sampler=optuna.samplers.RandomSampler(seed=0))
    running, completed = [], []
    state = {"next": 0, "evaluations": 0, "pruned": 0}

    def start(time):
        if state["next"] >= trials:
            return
        n = state["next"]
        x, y = params(seed, n // repeats)
        t = study.ask()
        assert t.number == n
        running.append({"trial": n, "set": n // repeats, "step": 0, "time": time + 1, "curve": run(x, y, (seed * 1000 + n) & M), "t": t})
        state["next"] += 1

    for _ in range(n_jobs):
        start(0)
    while running:
        r = min(running, key=lambda e: (e["time"], e["trial"]))
        state["evaluations"] += 1
        r["t"].report(r["curve"][r["step"]], r["step"])
        if r["t"].should_prune():
            study.tell(r["t"], state=TrialState.PRUNED)
            state["pruned"] += 1
            running.remove(r)
            start(r["time"])
        elif r["step"] == len(r["curve"]) - 1:
            study.tell(r["t"], r["curve"][-1])
            completed.append((r["set"], r["curve"]))
            running.remove(r)
            start(r["time"])
        else:
            r["step"] += 1
            r["time"] += 1
    if not completed:
        return float("nan"), state["evaluations"], state["pruned"]
    finals = {}
    for set_, curve in completed:
        finals.setdefault(set_, []).append(curve[-1])
    best = max(finals, key=lambda k: sum(finals[k]) / len(finals[k]))
    x, y = params(seed, best)
    return truth(x, y)[0], state["evaluations"], state["pruned"]


def main():
    seeds, trials = int(sys.argv[1]), int(sys.argv[2])
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    median = lambda: optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3)
    settings = {
        "none": optuna.pruners.NopPruner,
        "median": median,
        "asha": lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=2, reduction_factor=3),
        "hyperband": lambda: optuna.pruners.HyperbandPruner(min_resource=2, max_resource=20, reduction_factor=3),
        "patient(median)": lambda: optuna.pruners.PatientPruner(median(), patience=3),
    }
    out = {}
    for name, make in settings.items():
        out[name] = []
        for s in range(seeds):
            t, e, p = simulate(make, s + 1, trials, 4)
            out[name].append({"seed": s + 1, "truth": t, "evaluations": e, "pruned": p})
        out[name + ", 2 runs per set"] = []
        for s in range(seeds):
            t, e, p = simulate(make, s + 1, trials, 4, repeats=2)
            out[name + ", 2 runs per set"].append({"seed": s + 1, "truth": t, "evaluations": e, "pruned": p})
    x, y = params(1, 0)
    print(json.dumps({"optuna": optuna.__version__, "pruning": out, "check": {"x": x, "y": y, "curve": run(x, y, 1000)}}))


main()
