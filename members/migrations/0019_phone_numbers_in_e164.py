"""Numbers stored before every writer normalised them (the person page kept digits as typed)
are rewritten in E.164, so that the TPS list and the consent rule match them. A number that
cannot be read is left as it was: the consent rule never dials it (members/consent.py). Where
a person already has the same number in E.164, the older copy as typed is removed."""

from django.db import migrations


def normalise(apps, schema_editor):
    from members.phones import PhoneNumberRefused, phone_normalise

    ContactPhone = apps.get_model("members", "ContactPhone")
    for phone in ContactPhone.objects.exclude(number__startswith="+").iterator():
        try:
            number = phone_normalise(phone.number)
        except PhoneNumberRefused:
            continue
        if ContactPhone.objects.filter(person_id=phone.person_id, number=number).exists():
            phone.delete()
        else:
            ContactPhone.objects.filter(pk=phone.pk).update(number=number)


class Migration(migrations.Migration):
    dependencies = [("members", "0018_tps_list_remembers_the_file_it_read")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
