"""The personal-data registry.

Every app that stores personal data declares, in its own `personal_data.py`, which of its
models hold it and how to export and erase what it holds about one data subject. `gdpr`
discovers these modules at start-up (as the admin discovers `admin.py`) and uses them for
subject access, erasure and retention. Every model in the project says whether it holds
personal data (a `PERSONAL_DATA` class attribute); tests fail for an undeclared model.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules


@dataclass
class DataSubject:
    """The person a request is about: a register/member record, a login, or both."""

    person: object | None = None
    user: object | None = None

    def person_ids(self) -> list[int]:
        """The person records this request is about: the one named, and the login's own."""
        from members.models import Person

        ids = [self.person.pk] if self.person is not None else []
        if self.user is not None:
            ids.extend(Person.objects.filter(user=self.user).values_list("pk", flat=True))
        return sorted(set(ids))


@dataclass
class Declaration:
    app_label: str
    models: list
    export: Callable[[DataSubject], dict]
    erase: Callable[..., dict]
    notes: str = ""
    kept: dict = field(default_factory=dict)


_declarations: dict[str, Declaration] = {}


def declare(
    *,
    app_label: str,
    models: list,
    export: Callable[[DataSubject], dict],
    erase: Callable[..., dict],
    notes: str = "",
) -> None:
    """Declare an app's personal data. `erase(subject, actor=...)` returns a summary dict."""
    for model in models:
        if not getattr(model, "PERSONAL_DATA", False):
            raise ValueError(f"{model.__name__} is declared but not marked PERSONAL_DATA = True.")
    _declarations[app_label] = Declaration(app_label, list(models), export, erase, notes)


def declarations() -> list[Declaration]:
    return list(_declarations.values())


def covered_models() -> set:
    return {model for declaration in _declarations.values() for model in declaration.models}


def resolve_subject(subject: DataSubject) -> DataSubject:
    """Fill in the other half (a login's person record, a person's login) before any app runs,
    so that an app erasing first (and unlinking the two) cannot hide the person from the rest."""
    from members.models import Person

    person, user = subject.person, subject.user
    if person is None and user is not None:
        person = Person.objects.filter(user=user).first()
    if user is None and person is not None:
        user = person.user
    return DataSubject(person=person, user=user)


def export_subject(subject: DataSubject) -> dict:
    subject = resolve_subject(subject)
    return {d.app_label: d.export(subject) for d in _declarations.values()}


def erase_subject(subject: DataSubject, *, actor) -> dict:
    subject = resolve_subject(subject)
    return {d.app_label: d.erase(subject, actor=actor) for d in _declarations.values()}


def autodiscover() -> None:
    autodiscover_modules("personal_data")
