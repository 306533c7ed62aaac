"""Emptying a scratch database whose audit log refuses TRUNCATE (clp migration 0004).

The test suite and the benchmarks empty every table between runs; on Postgres the audit log's
trigger refuses that unless triggers are off for the session, which only a superuser (the test
and bench databases' user) may ask for. Nothing outside tests and benchmarks does this.
"""

from contextlib import contextmanager


@contextmanager
def audit_log_flushable():
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else []

    DatabaseOperations.sql_flush = sql_flush
    try:
        yield
    finally:
        DatabaseOperations.sql_flush = original
