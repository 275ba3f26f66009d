# An app shaped as hydra-optuna-sweeper's multi-objective example (plugin 1.3): the decorated
# function returns a tuple of two objectives, both minimized (Binh and Korn's test problem).
from typing import Tuple

import hydra
from omegaconf import DictConfig


@hydra.main(config_path="multi-objective-conf", config_name="config")
def binh_korn(cfg: DictConfig) -> Tuple[float, float]:
    x, y = float(cfg.x), float(cfg.y)
    first = 4 * x**2 + 4 * y**2
    second = (x - 5) ** 2 + (y - 5) ** 2
    return first, second


if __name__ == "__main__":
    binh_korn()
