#!/usr/bin/env bash
# Installs what hypertop needs on Debian besides the Swift toolchain: ncursesw headers for the
# dashboard, tmux for the end-to-end dashboard test, nm (binutils) for the test that checks the
# AVX2 build of the sampler's loops, and (with --python) a virtual environment
# in .venv with Python optuna for the interoperability tests and benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
dpkg -s libncurses-dev >/dev/null 2>&1 || need+=(libncurses-dev)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v nm >/dev/null 2>&1 || need+=(binutils)
if [ "${1:-}" = "--python" ]; then
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
fi
if [ "${1:-}" = "--python" ]; then
  if ! .venv/bin/python -c 'import optuna' >/dev/null 2>&1; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check 'optuna>=4'
  fi
fi
