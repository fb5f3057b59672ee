"""Benchmarks of Rightsize, run by hand; results are recorded in RESULTS.md."""
