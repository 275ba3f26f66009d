"""Drive SB3's real Logger (stdout + csv writers) with values real runs rarely hit."""
import sys
import numpy as np
from stable_baselines3.common.logger import configure

logger = configure(sys.argv[1], ["stdout", "csv"])
# dump 1
logger.record("eval/mean_reward", 123456.789)                      # float -> .3g -> 1.23e+05
logger.record("eval/success_rate", 1.0)                            # float 1.0 prints as "1"
logger.record("train/learning_rate", 1e-05)                        # small float -> 1e-05
logger.record("train/approx_kl", np.float32(0.0012345678))         # np.float32 is not a float -> str()
logger.record("train/value_loss", np.float64(-0.000123456))        # np.float64 is a float -> -0.000123
logger.record("train/a_really_long_metric_name_that_goes_past_the_limit", 0.5)  # key truncated with ...
logger.record("train/nan_metric", float("nan"))
logger.record("time/total_timesteps", 1000)                        # int -> str
logger.record("time/n_int64", np.int64(7))
logger.record("custom/flag", True)
logger.record("custom/note", 'has "quotes", and a comma')          # csv: quoted, "" escaped
logger.record("custom/long_text", "x" * 50)                        # value truncated with ...
logger.record("notag", 3)                                          # no '/' -> no section header
logger.record("train/stdout_only", 2.5, exclude="csv")
logger.record("train/csv_only", 2.5, exclude="stdout")
logger.dump(1000)
# dump 2: fewer keys, one new key
logger.record("eval/mean_reward", -0.5)
logger.record("time/total_timesteps", 2000)
logger.record("rollout/ep_rew_mean", 12.0)                         # new key -> csv header rewritten, old rows padded
logger.dump(2000)
