from django.db import migrations

ROLES = [
    (
        "itmanager",
        "IT manager",
        "Runs the platform: the Django admin, users and roles, imports, backups, and the data "
        "protection duties (subject access, erasure, retention, audits). Must use MFA.",
    ),
    (
        "organiser",
        "Organiser",
        "Runs campaigns across the whole CLP: registers, targets, walk lists, phone banks, "
        "polling day and reports. Sees personal data for the CLP. Must use MFA.",
    ),
    (
        "areaorganiser",
        "Area organiser",
        "Organises in the wards, branches or polling districts they were given, and sees the "
        "people there only.",
    ),
    (
        "canvasser",
        "Canvasser",
        "Works the walk lists assigned to them, door to door; sees only those lists, and only "
        "while assigned.",
    ),
    (
        "caller",
        "Phone-bank caller",
        "Is handed one contact at a time by the phone bank and records what they said.",
    ),
    (
        "teller",
        "Teller",
        "On polling day, enters the elector numbers of people who have voted at their station "
        "and works knock-up lists.",
    ),
    (
        "member",
        "Member",
        "A party member: keeps their own details, consent and policy views up to date, and "
        "signs up to volunteer and to events.",
    ),
]


def create_roles(apps, schema_editor):
    Role = apps.get_model("clp", "Role")
    for code, name, description in ROLES:
        Role.objects.update_or_create(
            code=code, defaults={"name": name, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("clp", "0001_accounts_roles_audit_jobs")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
