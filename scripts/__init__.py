"""Offline builds run from the repository root (`python -m scripts.build_data`); not installed."""
