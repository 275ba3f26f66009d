# A real stable-baselines3 app in Scilab-RL's shape, as small as it can be: SAC on Pendulum-v1
# for n_epochs * eval_after_n_steps steps, with one evaluation episode at the end of each epoch.
# It writes nothing itself: SB3's logger writes progress.csv to Hydra's output dir, and the
# evaluation callback dumps eval/mean_reward with time/total_timesteps there once per epoch.
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch loads: one OpenMP thread on a 2-core box

import hydra
import torch
from hydra.core.hydra_config import HydraConfig
from stable_baselines3 import SAC
from stable_baselines3.common.callbacks import EvalCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure


@hydra.main(config_path="../conf", config_name="main", version_base=None)  # no chdir
def main(cfg):
    torch.set_num_threads(1)  # parallel jobs would otherwise fight over the 2 cores
    algo = cfg.algorithm
    model = SAC(
        "MlpPolicy",
        cfg.env,
        learning_rate=float(algo.learning_rate),
        learning_starts=int(algo.learning_starts),
        batch_size=int(algo.batch_size),
        buffer_size=int(algo.buffer_size),
        gamma=float(algo.gamma),
        policy_kwargs=dict(net_arch=[int(n) for n in algo.policy_kwargs.net_arch]),  # a plain list, not a ListConfig
        seed=cfg.seed,
        device="cpu",  # tiny nets: a GPU would only add start-up time
        verbose=0,
    )
    model.set_logger(configure(HydraConfig.get().runtime.output_dir, ["stdout", "csv"]))
    # Monitor-wrapped (so EvalCallback does not warn) and seeded apart from the training env.
    eval_env = make_vec_env(cfg.env, n_envs=1, seed=cfg.seed + 1)
    # One deterministic episode per epoch. No log or model paths, so the callback saves nothing.
    eval_cb = EvalCallback(eval_env, eval_freq=int(cfg.eval_after_n_steps), n_eval_episodes=1, deterministic=True)
    # Rollout rows come every 4 episodes (log_interval=4, SB3's default); an episode is 200
    # steps, so 300 steps give none and progress.csv holds just the n_epochs eval rows.
    model.learn(total_timesteps=int(cfg.n_epochs) * int(cfg.eval_after_n_steps), callback=eval_cb)


if __name__ == "__main__":
    main()
