"""Person.polling_district (the home district pages scope people by) and Person.is_current (not
erased, not merged, as one boolean the planner estimates sensibly without statistics); the
home district filled for everyone already imported."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill_home_districts(apps, schema_editor):
    Person = apps.get_model("members", "Person")
    Elector = apps.get_model("members", "Elector")
    Property = apps.get_model("members", "Property")
    on_register = (
        Elector.objects.filter(person=OuterRef("pk"), on_register=True)
        .order_by("-pk")
        .values("polling_district_id")[:1]
    )
    address = Property.objects.filter(pk=OuterRef("property_id")).values("polling_district_id")[:1]
    Person.objects.update(polling_district=Coalesce(Subquery(on_register), Subquery(address)))


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0011_import_batch_upload_deleted_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="polling_district",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="members.pollingdistrict",
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="is_current",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.ExpressionWrapper(
                    models.Q(("erased_at__isnull", True), ("merged_into__isnull", True)),
                    output_field=models.BooleanField(),
                ),
                output_field=models.BooleanField(),
            ),
        ),
        migrations.RunPython(fill_home_districts, migrations.RunPython.noop),
    ]
