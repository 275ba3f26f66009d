#!/usr/bin/env bash
# Installs what hypertop needs on Debian besides the Swift toolchain: ncursesw headers for the
# dashboard, tmux for the end-to-end dashboard test, rsvg-convert for the report's PNG charts, nm (binutils) for the test that checks the
# AVX2 build of the sampler's loops, and (with --python) a virtual environment
# in .venv with Python optuna (interoperability tests, benchmarks), mlflow (an app that names its experiment
# after the study), hydra-core (the tests that
# sweep real Hydra apps unchanged) and stable-baselines3 with a CPU torch (a real RL app), and .venv-upstream with the upstream hydra-optuna-sweeper
# plugin (it pins optuna<3, so it lives apart) for the test that sweeps an app written for it.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
dpkg -s libncurses-dev >/dev/null 2>&1 || need+=(libncurses-dev)
# The wheel (scripts/wheel.sh) links SQLite in from its static archive.
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v nm >/dev/null 2>&1 || need+=(binutils)
# `hypertop report` turns its SVG charts into PNG with rsvg-convert when it is there (a test checks it).
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
if [ "${1:-}" = "--python" ]; then
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
fi
if [ "${1:-}" = "--python" ]; then
  if ! .venv/bin/python -c 'import optuna, hydra' >/dev/null 2>&1; then
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check 'optuna>=4' 'hydra-core>=1.3,<1.4'
  fi
  # Notes are written where optuna-dashboard keeps them; a test reads them with its own reader.
  if ! .venv/bin/python -c 'import optuna_dashboard' >/dev/null 2>&1; then
    .venv/bin/pip install --quiet --disable-pip-version-check optuna-dashboard
  fi
  # An app that names its MLflow experiment after the study (Scilab-RL's setup_mlflow) is swept in a test.
  if ! .venv/bin/python -c 'import mlflow' >/dev/null 2>&1; then
    .venv/bin/pip install --quiet --disable-pip-version-check mlflow
  fi
  # A real stable-baselines3 app is swept in a test. The local CPU torch wheel first: left to
  # choose, pip takes the newer CUDA build from PyPI (gigabytes).
  if ! .venv/bin/python -c 'import stable_baselines3, gymnasium, torch' >/dev/null 2>&1; then
    torch_whl=$(ls /opt/wheels/torch-*.whl 2>/dev/null | head -n 1 || true)
    .venv/bin/pip install --quiet --disable-pip-version-check "${torch_whl:-torch}"
    .venv/bin/pip install --quiet --disable-pip-version-check stable-baselines3 gymnasium
  fi
  # TensorBoard's own event-file reader is the reference the TFRecord tests compare with (issue 28);
  # torch's SummaryWriter, which writes the files, needs it too.
  if ! .venv/bin/python -c 'import tensorboard' >/dev/null 2>&1; then
    .venv/bin/pip install --quiet --disable-pip-version-check tensorboard
  fi
  # W&B in offline mode writes the run files hypertop reads in a test (issue 28); tyro is one of the
  # argument styles the W&B-sweep tests drive.
  if ! .venv/bin/python -c 'import wandb, tyro' >/dev/null 2>&1; then
    .venv/bin/pip install --quiet --disable-pip-version-check wandb tyro
  fi
  if ! .venv-upstream/bin/python -c 'import hydra_plugins.hydra_optuna_sweeper, optuna' >/dev/null 2>&1; then
    [ -x .venv-upstream/bin/python ] || python3 -m venv .venv-upstream
    # Pinned: the plugin's own bounds let pip pick Hydra release candidates, and optuna 2.10 needs
    # SQLAlchemy 1.x (with an alembic of that time) for its storage.
    .venv-upstream/bin/pip install --quiet --disable-pip-version-check 'hydra-optuna-sweeper==1.3.0' 'hydra-core==1.3.8' \
      'sqlalchemy<2' 'alembic<1.14'
  fi
fi
