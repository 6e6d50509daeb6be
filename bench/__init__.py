"""Benchmarks of the match path and the registry (`python -m bench --help`)."""
