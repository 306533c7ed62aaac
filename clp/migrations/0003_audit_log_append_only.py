from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION clp_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER clp_auditentry_append_only
    BEFORE UPDATE OR DELETE ON clp_auditentry
    FOR EACH ROW EXECUTE FUNCTION clp_auditentry_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS clp_auditentry_append_only ON clp_auditentry;
DROP FUNCTION IF EXISTS clp_auditentry_append_only();
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID, params=None)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW, params=None)


class Migration(migrations.Migration):
    """On Postgres the database itself refuses UPDATE and DELETE of audit entries."""

    dependencies = [("clp", "0002_create_roles")]

    operations = [migrations.RunPython(forbid, allow)]
