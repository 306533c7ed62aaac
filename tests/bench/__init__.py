"""Benchmarks for the figures in DESIGN.md. Run with `make bench` (python -m tests.bench [name]).

Each module here defines `run(stdout) -> None` and prints its figures, ending with one
machine-readable line. The harness gives them a scratch database of their own: a `_bench`
copy of DATABASE_URL's database on Postgres, or a temporary SQLite file, migrated fresh.
"""
