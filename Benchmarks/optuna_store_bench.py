"""Python optuna's SQLite storage on the same work as store-bench: ask + 3 x report + tell per
trial, and loading hypertop's big study file. Prints one JSON object."""
import json
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def per_trial(path, trials):
    study = optuna.create_study(storage=f"sqlite:///{path}", study_name="bench", direction="maximize")
    start = time.perf_counter()
    for _ in range(trials):
        t = study.ask()
        t.suggest_float("lr", 1e-4, 5e-3, log=True)
        t.suggest_int("batch_size", 16, 256, log=True)
        t.suggest_categorical("critic_select", ["min", "max"])
        for step in range(3):
            t.report(step / 100, step)
        study.tell(t, 0.5)
    return (time.perf_counter() - start) / trials * 1000


def load(path):
    start = time.perf_counter()
    study = optuna.load_study(study_name="open", storage=f"sqlite:///{path}")
    trials = study.get_trials(deepcopy=False)
    steps = sum(len(t.intermediate_values) for t in trials)
    return (time.perf_counter() - start) * 1000, len(trials), steps


if __name__ == "__main__":
    workdir, trials, open_db = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    out = {"optuna": optuna.__version__, "trial_ms": per_trial(f"{workdir}/optuna.db", trials)}
    out["load_ms"], out["load_trials"], out["load_steps"] = load(open_db)
    print(json.dumps(out))
