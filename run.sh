#!/usr/bin/env bash
# Set up .venv/ if needed, then run the bundled England baseline (extra arguments go to
# `traineeflow run`, e.g. ./run.sh --scenario msd_programme --replicates 5).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
scripts/setup.sh
exec .venv/bin/traineeflow run "$@"
