"""Benchmarks of the rollout engine at fleet scale (see docs/benchmarks.md)."""
