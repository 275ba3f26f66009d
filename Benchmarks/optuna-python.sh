# Sourced by the benchmark scripts: sets $python to an interpreter that has optuna:
# $HYPERTOP_PYTHON when it has it, else the project's .venv (created by scripts/install-deps.sh).
python="${HYPERTOP_PYTHON:-}"
if [ -z "$python" ] || ! "$python" -c "import optuna" 2>/dev/null; then
    scripts/install-deps.sh --python >&2
    python=.venv/bin/python
fi
echo "Using $("$python" -c 'import optuna, sys; print(sys.executable, "optuna", optuna.__version__)')" >&2
