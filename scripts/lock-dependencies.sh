#!/bin/sh
# lock-dependencies.sh: write requirements.lock (the runtime dependencies of pyproject.toml
# and everything they pull in, at exact versions) and requirements-dev.lock (the same plus
# the dev extra), each from `pip freeze` of a fresh virtualenv with a non-editable install,
# so nothing of this checkout's own .venv leaks in. Run it with the oldest supported Python
# (PYTHON, default python3, 3.11 today) after changing the ranges in pyproject.toml.
set -eu

PYTHON=${PYTHON:-python3}
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

lock() {  # lock FILE EXTRAS
    "$PYTHON" -m venv "$WORK/venv-$1"
    "$WORK/venv-$1/bin/python" -m pip install --quiet --upgrade pip
    "$WORK/venv-$1/bin/python" -m pip install --quiet ".$2"
    {
        echo "# Exact versions for deployers, beside the ranges in pyproject.toml:"
        echo "#   pip install -c $1 ${3}"
        echo "# Written by scripts/lock-dependencies.sh with $("$WORK/venv-$1/bin/python" -V)"
        echo "# on $(uname -sm); regenerate it with that script, never by hand."
        "$WORK/venv-$1/bin/python" -m pip freeze --exclude hcpcs-reference
    } >"$1"
    rm -rf build  # setuptools builds in the tree
}

lock requirements.lock "" "."
lock requirements-dev.lock "[dev]" "-e '.[dev]'"
echo "wrote requirements.lock and requirements-dev.lock"
