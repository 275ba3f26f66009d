# A stock app for the upstream Optuna sweeper: it returns the objective and prints nothing.
import math

import hydra
from omegaconf import DictConfig


@hydra.main(version_base=None, config_path="conf", config_name="config")
def sphere(cfg: DictConfig) -> float:
    x, y, z, w = float(cfg.x), float(cfg.y), float(cfg.z), float(cfg.w)
    return x**2 + y**2 + (z - 1.0) ** 2 + math.log10(w) ** 2 / 10.0


if __name__ == "__main__":
    sphere()
