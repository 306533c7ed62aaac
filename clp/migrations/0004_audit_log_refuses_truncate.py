from django.db import migrations

# TRUNCATE fires no row triggers, so 0003's trigger never saw it. A statement trigger refuses it,
# whoever asks, table owner included; only a superuser (session_replication_role) or someone who
# drops the trigger gets past it. The application's own role is also refused TRUNCATE by its
# grants (clp/management/commands/db_grant_app_role.py).
FORBID = """
CREATE TRIGGER clp_auditentry_no_truncate
    BEFORE TRUNCATE ON clp_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION clp_auditentry_append_only();
"""

ALLOW = "DROP TRIGGER IF EXISTS clp_auditentry_no_truncate ON clp_auditentry;"


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID, params=None)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW, params=None)


class Migration(migrations.Migration):
    """On Postgres the database refuses TRUNCATE of the audit log too."""

    dependencies = [("clp", "0003_audit_log_append_only")]

    operations = [migrations.RunPython(forbid, allow)]
