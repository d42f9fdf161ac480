"""The performance benchmark: ``python -m tests.benchmarks`` (see README)."""
