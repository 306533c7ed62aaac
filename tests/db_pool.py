"""Races and benchmarks that give each of many threads its own database connection.

Django's connection pool (clp/env.py, DATABASE_POOL_SIZE) is sized for one web worker's
threads; a test standing in for fifty callers' phones needs a connection for each of them.
"""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def pool_of_at_least(size: int):
    """Let `size` threads hold a pooled connection at once, then put the pool back as it was."""
    options = connection.settings_dict["OPTIONS"].get("pool")
    if not options or options.get("max_size", 0) >= size:
        yield
        return
    original = dict(options)
    connection.close()
    connection.close_pool()
    options["max_size"] = size
    try:
        yield
    finally:
        connection.close()
        connection.close_pool()
        options.clear()
        options.update(original)
