"""Replays report events through a real Optuna study with one of its pruners; prints each
decision. Input (stdin, JSON; NaN allowed): {"direction", "study_name", "pruner": {"type": class
name in optuna.pruners, "kwargs": {...}} (PatientPruner: kwargs.wrapped_pruner nested or null),
"trials": {number: [values by step]}, "schedule": [[number, step], ...]}. A trial is told its last
value after its last step (NaN makes it FAIL, as Optuna does), PRUNED when should_prune says so.
Output: a JSON list, per event true/false, or null for an event of a trial already ended."""
import json
import sys
import warnings

import optuna
from optuna.trial import TrialState


def pruner(spec):
    if spec is None:
        return None
    kwargs = dict(spec.get("kwargs", {}))
    if spec["type"] == "PatientPruner":
        kwargs["wrapped_pruner"] = pruner(kwargs.get("wrapped_pruner"))
    return getattr(optuna.pruners, spec["type"])(**kwargs)


def main():
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    spec = json.loads(sys.stdin.read())
    values = {int(k): [float(v) for v in vs] for k, vs in spec["trials"].items()}
    study = optuna.create_study(study_name=spec["study_name"], direction=spec["direction"], pruner=pruner(spec["pruner"]),
                                sampler=optuna.samplers.RandomSampler(seed=0))
    live, ended, out = {}, set(), []
    for n, step in spec["schedule"]:
        while len(live) <= n:  # trial numbers are ask order
            live[len(live)] = study.ask()
        if n in ended:
            out.append(None)
            continue
        t = live[n]
        t.report(values[n][step], step)
        p = bool(t.should_prune())
        out.append(p)
        if p:
            study.tell(t, state=TrialState.PRUNED)
            ended.add(n)
        elif step == len(values[n]) - 1:
            study.tell(t, values[n][-1])
            ended.add(n)
    print(json.dumps(out))


main()
