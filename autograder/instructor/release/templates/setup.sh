#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image: it installs
# Python's packages into $ROOT/venv and gets MNIST into source/data (bundled in the zip
# by `release --bundle-data`, else downloaded now), verifying the files' SHA-256 sums.
# AUTOGRADER_ROOT (default /autograder) and AUTOGRADER_PYTHON (a Python that already has
# requirements.txt installed; skips the install) are for trying the zip out elsewhere.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"

if [ -z "${AUTOGRADER_PYTHON:-}" ]; then
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then
        apt-get update && apt-get install -y --no-install-recommends python3 python3-venv python3-pip
    fi
    python3 -m venv "$ROOT/venv"
    "$ROOT/venv/bin/python" -m pip install --quiet --no-cache-dir --upgrade pip
    "$ROOT/venv/bin/python" -m pip install --quiet --no-cache-dir -r "$SOURCE/requirements.txt"
fi
PYTHON="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"

cd "$SOURCE"
"$PYTHON" -m autograder data --into "$SOURCE/data"
