# The benchmark's trial job: a stock Hydra app whose run takes 1 to 7 s (longer for larger x,
# as RL trials differ in length) and returns a value. It appends its own start and end to
# $BENCH_LOG, after Python and Hydra have started: the time a slot spends running a trial.
import os
import time

import hydra


@hydra.main(version_base=None, config_path="conf", config_name="config")
def main(cfg):
    start = time.time()
    time.sleep(1.0 + 6.0 * float(cfg.x))
    with open(os.environ["BENCH_LOG"], "a") as f:
        f.write(f"{start} {time.time()}\n")
    return -(float(cfg.x) - 0.3) ** 2 - (float(cfg.y) - 0.6) ** 2


if __name__ == "__main__":
    main()
