# A toy in Scilab-RL's shape: a stock Hydra app that "trains" in milliseconds.
# Each epoch it prints a stable-baselines3 table on stdout; it early-stops like Scilab-RL and,
# when return_score is true, returns Scilab-RL devel's (score, epochs, run_id).
# Only light imports, so a job starts fast.
import json
import math
import os
import random

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf


def quality(algo):
    """How good the parameters are, in [0, 1]: best near learning_rate 0.003, min critic, bigger net."""
    lr = float(algo.learning_rate)
    lr_term = math.exp(-((math.log10(lr) - math.log10(0.003)) ** 2) / 0.5)
    critic = 1.0 if algo.critic_select == "min" else 0.85
    width = sum(int(n) for n in algo.policy_kwargs.net_arch)
    return 0.9 * lr_term * critic + 0.1 * min(1.0, width / 32.0)


def sb3_table(values):
    """stable-baselines3's HumanOutputFormat: keys sorted, a 'tag/' row per group, keys indented by 3."""
    def cut(s):
        return s[:33] + "..." if len(s) > 36 else s

    rows, tag = {}, ""  # keyed by (tag, key) as SB3 does, so each tag row appears once
    for key, value in sorted(values.items()):
        text = f"{value:<8.3g}" if isinstance(value, float) else str(value)
        if key.find("/") > 0:
            tag = key[: key.find("/") + 1]
            rows[(tag, cut(tag))] = ""
        if tag and tag in key:
            key = "   " + key[len(tag):]
        rows[(tag, cut(key))] = cut(text)
    kw = max(len(k) for _, k in rows)
    vw = max(len(v) for v in rows.values())
    dashes = "-" * (kw + vw + 7)
    lines = [dashes] + [f"| {k}{' ' * (kw - len(k))} | {v}{' ' * (vw - len(v))} |" for (_, k), v in rows.items()]
    return "\n".join(lines + [dashes])


def score(h):
    """Scilab-RL devel: (mean(h) + mean of the last max(1, E//5)) / E, times E when the mean is negative."""
    e = len(h)
    if e == 0:
        return 0.0
    last = max(1, e // 5)
    total = sum(h) / e + sum(h[-last:]) / last
    return total / e if sum(h) / e >= 0 else total * e


@hydra.main(config_path="../conf", config_name="main")  # no version_base: Hydra 1.1 behaviour (chdir)
def main(cfg):
    out = HydraConfig.get().runtime.output_dir
    with open(os.path.join(out, "seen.json"), "w") as f:
        json.dump(OmegaConf.to_container(cfg, resolve=True), f, indent=1, sort_keys=True)
    if cfg.get("crash", False):
        raise ValueError("simulated crash in the toy app")

    if cfg.get("mlflow", False):
        # As Scilab-RL's setup_mlflow: a file store in the original working directory, one
        # experiment per study, named after the sweeper's study_name ("Default" without one).
        import mlflow

        # MLflow 3 refuses the file store Scilab-RL uses unless this opts back in.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        mlflow.set_tracking_uri("file://" + os.path.join(hydra.utils.get_original_cwd(), "mlruns"))
        mlflow.set_experiment(HydraConfig.get().sweeper.get("study_name") or "Default")
        with mlflow.start_run():
            mlflow.log_param("learning_rate", float(cfg.algorithm.learning_rate))

    rng = random.Random(cfg.seed if cfg.seed != 0 else None)  # 0: a fresh seed each run
    q = quality(cfg.algorithm)
    history = {}
    for epoch in range(int(cfg.n_epochs)):
        rate = q * (1.0 - math.exp(-(epoch + 1) / 1.5)) + rng.uniform(-0.02, 0.02)
        rate = min(1.0, max(0.0, rate))
        values = {
            "eval/mean_reward": -50.0 * (1.0 - rate),
            "eval/success_rate": rate,
            "time/total_timesteps": int(cfg.eval_after_n_steps) * (epoch + 1),
            "train/learning_rate": float(cfg.algorithm.learning_rate),
        }
        for k, v in values.items():
            history.setdefault(k, []).append(v)
        print(sb3_table(values), flush=True)
        last = history.get(cfg.early_stop_data_column, [])[-int(cfg.early_stop_last_n):]
        if len(last) == int(cfg.early_stop_last_n) and sum(last) / len(last) >= cfg.early_stop_threshold:
            break

    if cfg.return_score:
        h = history.get(cfg.hyperopt_criterion, [])
        # Scilab-RL returns the number of logged values as the epochs (0 when the criterion was never logged).
        return score(h), len(h), "toy-%08x" % rng.getrandbits(32)
    return None


if __name__ == "__main__":
    main()
