"""hypertop: hyperparameter sweeps of training jobs, live in the terminal (htop crossed with Optuna).

The wheel installs the native `hypertop` program (and `reach-trainer`, the demo's job) into the
environment's scripts directory; this package only finds it (`python -m hypertop`).
"""
import os
import sys
import sysconfig

__version__ = "@VERSION@"


def find_hypertop_bin() -> str:
    """The installed `hypertop` executable: in this environment's scripts directory, or the user
    scheme's for a `pip install --user`; else the first on PATH."""
    name = "hypertop"
    candidates = [os.path.join(sysconfig.get_path("scripts"), name)]
    try:
        user_scheme = sysconfig.get_preferred_scheme("user")
    except AttributeError:  # Python < 3.10
        user_scheme = "posix_user"
    candidates.append(os.path.join(sysconfig.get_path("scripts", scheme=user_scheme), name))
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        path = os.path.join(directory, name)
        if directory and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError("the hypertop executable is not installed next to this package (looked in " + ", ".join(candidates) + " and PATH)")
