# A real torch job in Scilab-RL's shape, for Benchmarks/resources.sh: a stock Hydra app that
# trains a small MLP for n_epochs epochs, prints a stable-baselines3 table after each, and
# returns Scilab-RL devel's (score, epochs, run_id) (or the bare score: return_value=score).
#
# The task: classify synthetic inputs (64 features) into the 10 classes a fixed random "teacher"
# network gives them; the data come from a generator seeded with data_seed, so every trial sees
# the same task, and nothing is downloaded. eval/success_rate is the held-out accuracy, in [0, 1].
# The layer sizes (batch 512, hidden 384) make each matmul big enough that torch runs it on its
# intra-op thread pool, which starts one thread per core unless OMP_NUM_THREADS says otherwise:
# two such jobs on one machine then fight over the cores.
#
# Each run also writes resources.json in its output directory: torch's thread count, the
# OMP_NUM_THREADS (and kin) it saw, its CPU affinity, and each epoch's seconds.
import json
import os
import sys
import time

import hydra
from hydra.core.hydra_config import HydraConfig

import torch
from torch import nn

THREAD_VARS = ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS"]
N_FEATURES = 64
N_CLASSES = 10
N_EVAL = 8192


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


def make_task(n_train, data_seed):
    """Inputs from N(0, 1) and the labels a fixed random teacher MLP gives them (train, eval)."""
    g = torch.Generator().manual_seed(int(data_seed))
    teacher = [torch.randn(N_FEATURES, 128, generator=g) / N_FEATURES ** 0.5,
               torch.randn(128, N_CLASSES, generator=g) / 128 ** 0.5]

    def labelled(n):
        x = torch.randn(n, N_FEATURES, generator=g)
        with torch.no_grad():
            y = (torch.tanh(x @ teacher[0]) @ teacher[1]).argmax(dim=1)
        return x, y

    return labelled(n_train), labelled(N_EVAL)


def student(algo):
    layers, width = [], N_FEATURES
    for _ in range(int(algo.n_layers)):
        layers += [nn.Linear(width, int(algo.hidden)), nn.ReLU()]
        width = int(algo.hidden)
    return nn.Sequential(*layers, nn.Linear(width, N_CLASSES))


@hydra.main(config_path="../conf", config_name="main")  # no version_base, as Scilab-RL (Hydra 1.1 behaviour)
def main(cfg):
    out = HydraConfig.get().runtime.output_dir
    env = {k: os.environ.get(k) for k in THREAD_VARS}
    affinity = sorted(os.sched_getaffinity(0))
    threads = torch.get_num_threads()
    print(f"torch_app: torch {torch.__version__}, {threads} intra-op threads, OMP_NUM_THREADS={env['OMP_NUM_THREADS']}, "
          f"CPUs {affinity}", file=sys.stderr, flush=True)

    algo = cfg.algorithm
    batch = int(algo.batch_size)
    n_train = int(cfg.eval_after_n_steps)
    (x, y), (x_eval, y_eval) = make_task(n_train, cfg.data_seed)
    torch.manual_seed(int(cfg.seed))
    model = student(algo)
    opt = torch.optim.SGD(model.parameters(), lr=float(algo.learning_rate), momentum=float(algo.momentum),
                          weight_decay=float(algo.weight_decay))
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(int(cfg.seed))

    history, epoch_seconds = {}, []
    for epoch in range(int(cfg.n_epochs)):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n_train, generator=shuffle)
        total, steps = 0.0, 0
        for i in range(0, n_train - batch + 1, batch):
            idx = order[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item()
            steps += 1
        model.eval()
        with torch.no_grad():
            logits = model(x_eval)
            eval_loss = float(loss_fn(logits, y_eval))
            rate = float((logits.argmax(dim=1) == y_eval).float().mean())
        seconds = time.perf_counter() - start
        epoch_seconds.append(seconds)
        train_loss = total / max(1, steps)
        if train_loss != train_loss:  # diverged (NaN): chance level, as a bad learning rate gets
            rate = 1.0 / N_CLASSES
        values = {
            "eval/loss": eval_loss,
            "eval/success_rate": rate,
            "time/epoch_seconds": seconds,
            "time/fps": int(steps * batch / seconds),
            "time/total_timesteps": n_train * (epoch + 1),
            "train/learning_rate": float(algo.learning_rate),
            "train/loss": train_loss,
        }
        for k, v in values.items():
            history.setdefault(k, []).append(v)
        print(sb3_table(values), flush=True)
        last = history.get(cfg.early_stop_data_column, [])[-int(cfg.early_stop_last_n):]
        if len(last) == int(cfg.early_stop_last_n) and sum(last) / len(last) >= cfg.early_stop_threshold:
            break

    with open(os.path.join(out, "resources.json"), "w") as f:
        json.dump({"torch_threads": threads, "env": env, "affinity": affinity, "pid": os.getpid(),
                   "epoch_seconds": epoch_seconds}, f)
    h = history.get(cfg.hyperopt_criterion, [])
    if cfg.return_value == "score":  # the upstream hydra-optuna-sweeper wants a float
        return score(h)
    # Scilab-RL returns the number of logged values as the epochs.
    return score(h), len(h), "bench-%d-%d" % (os.getpid(), int(time.time()))


if __name__ == "__main__":
    main()
