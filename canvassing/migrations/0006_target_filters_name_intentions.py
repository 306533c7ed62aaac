"""Targets name their intention filter "intentions", as segments and every tool do."""

from django.db import migrations


def rename(apps, old: str, new: str) -> None:
    Target = apps.get_model("canvassing", "Target")
    for target in Target.objects.all():
        if old in target.filters:
            target.filters[new] = target.filters.pop(old)
            target.save(update_fields=["filters"])


class Migration(migrations.Migration):
    dependencies = [("canvassing", "0005_campaign_questions_only_link_the_bank")]

    operations = [
        migrations.RunPython(
            lambda apps, _: rename(apps, "last_intentions", "intentions"),
            lambda apps, _: rename(apps, "intentions", "last_intentions"),
        )
    ]
