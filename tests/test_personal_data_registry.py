import pytest
from django.apps import apps

from clp.roles import RoleCode
from gdpr.registry import DataSubject, covered_models, declarations, erase_subject, export_subject

PROJECT_APPS = {
    "clp",
    "members",
    "canvassing",
    "phonebank",
    "pollingday",
    "promote",
    "reporting",
    "gdpr",
}


def project_models():
    return [
        model
        for config in apps.get_app_configs()
        if config.name in PROJECT_APPS
        for model in config.get_models()
        if not model._meta.auto_created
    ]


def test_every_model_says_whether_it_holds_personal_data():
    unmarked = [m.__name__ for m in project_models() if "PERSONAL_DATA" not in vars(m)]
    assert not unmarked, (
        f"Set PERSONAL_DATA = True or False on these models: {unmarked}. "
        "Models with personal data must also be declared in their app's personal_data.py."
    )


def test_every_model_with_personal_data_is_declared_for_export_and_erasure():
    undeclared = [
        f"{m._meta.app_label}.{m.__name__}"
        for m in project_models()
        if vars(m).get("PERSONAL_DATA") and m not in covered_models()
    ]
    assert not undeclared, f"Not declared in any personal_data.py: {undeclared}"


def test_registry_discovered_the_apps_declarations_at_start_up():
    assert {"clp", "members"} <= {d.app_label for d in declarations()}


@pytest.mark.django_db
def test_export_and_erase_of_a_user_go_through_every_declaration(users):
    from clp.models import AuditEntry

    canvasser = users[RoleCode.CANVASSER]
    exported = export_subject(DataSubject(user=canvasser))
    assert exported["clp"]["account"]["email"] == "canvasser@test.example"
    assert exported["clp"]["roles"][0]["role"] == "canvasser"
    summary = erase_subject(DataSubject(user=canvasser), actor=users[RoleCode.IT_MANAGER])
    canvasser.refresh_from_db()
    assert summary["clp"]["account"] == "anonymised"
    assert "canvasser" not in canvasser.email and not canvasser.is_active
    assert AuditEntry.objects.filter(action="user.erase", target_id=str(canvasser.pk)).exists()


@pytest.mark.django_db
def test_erasing_a_login_reaches_every_apps_records_of_its_person(users, geography):
    from canvassing.models import CanvassResult
    from canvassing.tests.factories import ResultFactory
    from members.models import Person

    member = users[RoleCode.MEMBER]
    result = ResultFactory()
    person = result.person
    Person.objects.filter(pk=person.pk).update(user=member)
    summary = erase_subject(DataSubject(user=member), actor=users[RoleCode.IT_MANAGER])
    assert summary["members"]["people_erased"] == 1
    assert summary["canvassing"]["results_deleted"] == 1
    assert not CanvassResult.objects.filter(person=person).exists()
    person.refresh_from_db()
    assert person.erased_at is not None and person.user is None
