"""Email verification becomes mandatory: keep people who already log in able to.

Until now every account came by invitation, and a person could set a password only through the
link emailed to their address; so an account with a password has shown it controls that
address. Mark it proved (and primary). Accounts still waiting for their invitation are left
alone: following the link proves the address (clp.services.login_email_prove_by_link).
"""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import migrations


def prove_existing_addresses(apps, schema_editor):
    User = apps.get_model("clp", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    for user in User.objects.exclude(password="").exclude(
        password__startswith=UNUSABLE_PASSWORD_PREFIX
    ):
        addresses = EmailAddress.objects.filter(user=user)
        if addresses.filter(verified=True).exists():
            continue
        addresses.exclude(email__iexact=user.email).update(primary=False)
        address = addresses.filter(email__iexact=user.email).first()
        if address is None:
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
        else:
            address.primary = True
            address.verified = True
            address.save(update_fields=["primary", "verified"])


class Migration(migrations.Migration):
    dependencies = [
        ("clp", "0005_job_heartbeat"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(prove_existing_addresses, migrations.RunPython.noop)]
