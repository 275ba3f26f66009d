"""Generate SB3 logger fixtures (stdout tables + progress.csv) for hypertop tests.

usage: python make_fixture.py {ppo_cartpole|sac_pendulum} OUTDIR
"""
import sys, time

t0 = time.perf_counter()
import gymnasium as gym
import torch
from stable_baselines3 import PPO, SAC
from stable_baselines3.common.callbacks import BaseCallback, CallbackList, EvalCallback
from stable_baselines3.common.logger import configure
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv
t_import = time.perf_counter() - t0

SEED = 0
torch.set_num_threads(1)


class SuccessRateCallback(BaseCallback):
    """Records a synthetic eval/success_rate right before EvalCallback runs,
    so it lands in the same logger.dump() as eval/mean_reward.
    Value for the k-th eval (k = 0, 1, 2, ...) is (k % 4) / 3 -> 0, 1/3, 2/3, 1."""

    def __init__(self, eval_freq):
        super().__init__()
        self.eval_freq = eval_freq
        self.k = 0

    def _on_step(self):
        if self.n_calls % self.eval_freq == 0:
            self.model.logger.record("eval/success_rate", (self.k % 4) / 3)
            self.k += 1
        return True


def main(which, outdir):
    if which == "ppo_cartpole":
        env_id, algo, total, eval_freq, kw, log_interval = "CartPole-v1", PPO, 2048 * 2, 1000, {}, 1
    elif which == "sac_pendulum":
        env_id, algo, total, eval_freq, kw, log_interval = "Pendulum-v1", SAC, 600, 150, {"learning_starts": 100}, 1
    else:
        raise SystemExit("unknown " + which)

    env = gym.make(env_id)
    eval_env = DummyVecEnv([lambda: Monitor(gym.make(env_id))])
    eval_env.seed(SEED + 1)
    model = algo("MlpPolicy", env, seed=SEED, verbose=1, device="cpu", **kw)
    model.set_logger(configure(outdir, ["stdout", "csv"]))
    eval_cb = EvalCallback(eval_env, eval_freq=eval_freq, n_eval_episodes=2, deterministic=True, verbose=1)
    t1 = time.perf_counter()
    model.learn(total_timesteps=total, callback=CallbackList([SuccessRateCallback(eval_freq), eval_cb]),
                log_interval=log_interval)
    t_learn = time.perf_counter() - t1
    print(f"#TIMING import={t_import:.2f}s learn={t_learn:.2f}s", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
