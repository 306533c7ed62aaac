"""Give the application's database role what the web, worker and beat need, and no more.

Run as the role that owns the tables (the one `migrate` runs as), after every migrate:
bin/start-web does. The application role may read and write every table, but may only read and
add to the audit log: no UPDATE, DELETE or TRUNCATE there, no ownership (so no ALTER TABLE …
DISABLE TRIGGER), and it must not be a superuser (so no session_replication_role = replica).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

AUDIT_TABLE = "clp_auditentry"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Command(BaseCommand):
    help = (
        "Grant the application's database role SELECT/INSERT/UPDATE/DELETE on the tables, but "
        "only SELECT/INSERT on the audit log. Run as the tables' owner after migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the web, worker and beat connect as")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist only on PostgreSQL.")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper, current_user, current_database(), current_schema() "
                "FROM pg_roles WHERE rolname = %s",
                [role],
            )
            row = cursor.fetchone()
            if row is None:
                raise CommandError(f"There is no database role {role!r}: create it first.")
            is_superuser, owner, database, schema = row
            if is_superuser:
                raise CommandError(
                    f"{role!r} is a superuser: a superuser can switch the audit log's triggers "
                    "off. Connect the application as an ordinary role."
                )
            cursor.execute(
                "SELECT tableowner, pg_has_role(%s, tableowner, 'USAGE') FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename = %s",
                [role, AUDIT_TABLE],
            )
            found = cursor.fetchone()
            if found is None:
                raise CommandError("The audit log table does not exist yet: run migrate first.")
            if found[1]:
                raise CommandError(
                    f"{role!r} owns the tables (or is a member of their owner {found[0]!r}): an "
                    "owner can disable the audit log's triggers. Use a separate role."
                )
            r, db, s = _quote(role), _quote(database), _quote(schema)
            for statement in (
                f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {r}",
                f"GRANT USAGE ON SCHEMA {s} TO {r}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
                f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {s} FROM {r}",
                f"REVOKE UPDATE, DELETE, TRUNCATE ON {_quote(AUDIT_TABLE)} FROM {r}",
                # Tables a later migration creates are usable before this command runs again.
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {r}",
            ):
                cursor.execute(statement)
        self.stdout.write(
            f"Role {role} may read and write the tables of {database} owned by {owner}; "
            f"on {AUDIT_TABLE} only SELECT and INSERT."
        )
