import pytest
from django.db import IntegrityError, transaction

from members.models import Person


@pytest.mark.django_db
def test_a_login_belongs_to_one_person_at_most(geography):
    from clp.models import User

    user = User.objects.create_user(email="ann@test.example", password="correct horse battery")
    constituency = geography["constituency"]
    Person.objects.create(constituency=constituency, first_name="Ann", user=user)
    Person.objects.create(constituency=constituency, first_name="No login")
    Person.objects.create(constituency=constituency, first_name="Nor this one")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(constituency=constituency, first_name="Ann again", user=user)
    assert Person.objects.filter(user=user).count() == 1
