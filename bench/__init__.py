"""Benchmarks of provscan against the tools a user would otherwise run (not shipped)."""
