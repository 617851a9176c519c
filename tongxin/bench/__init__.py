"""Benchmarks of the platform's heavy paths, run by `tongxin bench <name>` (see bench/README.md).

Each benchmark is a module here with a `run(...)` returning one JSON-able result, measured in worker processes
against a database of its own (tongxin.bench.common). `registry` measures the registry's import and search.
"""
