"""Benchmarks: run each bench_*.py as a script (see README.md)."""
