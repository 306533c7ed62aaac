"""The application's database role may add to the audit log but not rewrite or empty it.

On Postgres a throwaway login role is set up as production sets up the web/worker role
(`manage.py db_grant_app_role`, run by the tables' owner) and then used for real work.
"""

import contextlib
import datetime
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from clp.audit import audit_record
from clp.models import AuditEntry
from clp.roles import RoleCode
from members.models import Elector, ImportBatch
from members.services.batches import import_batch_create, import_batch_start
from members.tests.registers import XPRESS14, csv_bytes, small_register

pytestmark = pytest.mark.postgres_only

INSERT_ENTRY = (
    "INSERT INTO clp_auditentry (at, actor_label, kind, action, target_type, target_id, "
    "target_repr, why, details) VALUES (now(), 'app', 'change', 'test.insert', '', '', '', '', "
    "'{}')"
)


@pytest.fixture
def app_role(transactional_db):
    """A login role granted what the web and workers get; dropped afterwards."""
    role = f"clp_test_app_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        call_command("db_grant_app_role", role, stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield role
    finally:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


def _connect_as(role) -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        dbname=s["NAME"],
        user=role,
        password=s["PASSWORD"] or None,
        autocommit=True,
    )


@contextlib.contextmanager
def _django_connected_as(role):
    """Django's own connection logs in as `role` for the block (no pool: it holds the other)."""
    settings = connection.settings_dict
    saved = settings["USER"], settings["OPTIONS"]
    connection.close()
    settings["USER"] = role
    settings["OPTIONS"] = {k: v for k, v in saved[1].items() if k != "pool"}
    try:
        yield
    finally:
        connection.close()
        settings["USER"], settings["OPTIONS"] = saved


def test_app_role_may_add_to_the_audit_log_but_not_rewrite_empty_or_unprotect_it(app_role):
    with _connect_as(app_role) as db:
        db.execute(INSERT_ENTRY)
        before = db.execute("SELECT count(*) FROM clp_auditentry").fetchone()[0]
        assert before >= 1
        for attempt in (
            "TRUNCATE clp_auditentry",
            "DELETE FROM clp_auditentry",
            "UPDATE clp_auditentry SET action = 'forged'",
            "ALTER TABLE clp_auditentry DISABLE TRIGGER ALL",
            "ALTER TABLE clp_auditentry DISABLE TRIGGER clp_auditentry_append_only",
            "DROP TRIGGER clp_auditentry_append_only ON clp_auditentry",
            "SET session_replication_role = replica",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(attempt)
        assert db.execute("SELECT count(*) FROM clp_auditentry").fetchone()[0] == before
        assert (
            db.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
            is False
        )


def test_app_role_may_still_change_ordinary_tables(app_role):
    with _connect_as(app_role) as db:
        # Django's session table: ordinary, and its columns do not change with our models.
        db.execute(
            "INSERT INTO django_session (session_key, session_data, expire_date) "
            "VALUES ('db-role-test', '', now())"
        )
        db.execute(
            "UPDATE django_session SET session_data = 'x' WHERE session_key = 'db-role-test'"
        )
        assert (
            db.execute("DELETE FROM django_session WHERE session_key = 'db-role-test'").rowcount
            == 1
        )


def test_a_register_import_runs_as_the_app_role(app_role, geography, users):
    """COPY into temporary tables, the register's advisory lock, SET LOCAL, the progress
    connection: a whole import, from upload to job finished, as the web and worker run it."""
    organiser = users[RoleCode.ORGANISER]
    with _django_connected_as(app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
        batch = import_batch_create(
            actor=organiser,
            constituency=geography["constituency"],
            kind=ImportBatch.Kind.REGISTER,
            filename="register.csv",
            data=csv_bytes(XPRESS14, small_register()),
            published_on=datetime.date(2026, 12, 1),
        )
        job = import_batch_start(actor=organiser, batch=batch)
        job.refresh_from_db()
        assert job.status == job.Status.SUCCEEDED, job.message
        assert Elector.objects.count() == 6
        assert AuditEntry.objects.filter(action__startswith="import").exists()


@pytest.mark.django_db(transaction=True)
def test_even_the_tables_owner_cannot_truncate_the_audit_log(users):
    with transaction.atomic():
        audit_record(actor=users[RoleCode.ORGANISER], action="something")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE clp_auditentry")
    assert AuditEntry.objects.filter(action="something").exists()


def test_granting_refuses_a_superuser_role(transactional_db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="superuser"):
        call_command("db_grant_app_role", connection.settings_dict["USER"] or "postgres")
