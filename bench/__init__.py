"""Benchmarks: load generator, long conversations, start-up and memory (see BENCHMARKS.md)."""
