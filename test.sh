#!/usr/bin/env bash
# Set up .venv/ if needed, then lint and run the whole test suite (needs the PostgreSQL server
# at 127.0.0.1:5432; see README). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
scripts/setup.sh
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
