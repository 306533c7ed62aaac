"""People: doorstep reports, review, merging, and editing under one optimistic lock."""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clp.audit import audit_record
from members.consent import DO_NOT_CONTACT_FLAGS
from members.home_district import home_districts_refresh
from members.importers import FileProblem


def _people_reported(
    *, actor, reports: dict, source: str, request, unmarked: dict, mark, action: str
) -> list[int]:
    """Apply a report that counts to the people it names who are not marked yet (`unmarked`
    selects them; `mark(day)` gives the fields to set), with one audit entry. Runs in the
    caller's transaction. Returns the ids marked now."""
    from members.models import Person

    with transaction.atomic():
        ids = list(
            Person.objects.filter(pk__in=list(reports), **unmarked).values_list("pk", flat=True)
        )
        now = timezone.now()
        for pk in ids:
            Person.objects.filter(pk=pk).update(
                **mark(reports[pk]), version=F("version") + 1, updated_at=now
            )
        if ids:
            audit_record(
                actor=actor,
                action=action,
                request=request,
                details={"people": ids[:100], "count": len(ids), "source": source},
            )
    return ids


def people_reported_deceased(
    *, actor, reports: dict[int, datetime.date], source: str, request=None
) -> list[int]:
    """Mark people as deceased, from reports that count (a doorstep result, once accepted).

    From then on they are off every target, walk list, call queue, mailing and audience
    (PersonQuerySet.living, members.consent). Someone already marked keeps the first date.
    """
    return _people_reported(
        actor=actor,
        reports=reports,
        source=source,
        request=request,
        unmarked={"deceased": False},
        mark=lambda day: {"deceased": True, "deceased_on": day},
        action="person.deceased",
    )


def people_reported_moved_away(
    *, actor, reports: dict[int, datetime.date], source: str, request=None
) -> list[int]:
    """Flag people reported as having moved away (a doorstep result, once it counts). The
    person page shows it and the next register import says whether the register confirms it
    (see register_import's "moved_away" report)."""
    return _people_reported(
        actor=actor,
        reports=reports,
        source=source,
        request=request,
        unmarked={"moved_away_reported_on__isnull": True},
        mark=lambda day: {"moved_away_reported_on": day},
        action="person.moved_away_reported",
    )


def people_asked_not_to_be_phoned(
    *, actor, reports: dict[int, datetime.date], source: str, request=None
) -> list[int]:
    """Mark people who asked, on a call that counts, not to be called again: no phone bank
    or text reaches them from then on (members/consent.py); other channels still may."""
    return _people_reported(
        actor=actor,
        reports=reports,
        source=source,
        request=request,
        unmarked={"do_not_phone": False},
        mark=lambda day: {"do_not_phone": True, "do_not_text": True},
        action="person.do_not_phone",
    )


def people_asked_not_to_be_contacted(
    *, actor, reports: dict[int, datetime.date], source: str, request=None
) -> list[int]:
    """Mark people who asked, on a contact that counts, never to be contacted again: no
    channel reaches them from then on (members/consent.py)."""
    return _people_reported(
        actor=actor,
        reports=reports,
        source=source,
        request=request,
        unmarked={"do_not_contact": False},
        mark=lambda day: {"do_not_contact": True},
        action="person.do_not_contact",
    )


def person_review_clear(*, actor, person, request=None) -> None:
    """An organiser has checked what the person was flagged for: take them off the list."""
    from members.models import Person

    with transaction.atomic():
        reason = person.review_reason
        Person.objects.filter(pk=person.pk).update(review_reason="", updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="person.review_clear",
            target=person,
            request=request,
            details={"reason": reason},
        )
    person.review_reason = ""


def person_merge(*, actor, source, target, request=None) -> None:
    """`source` and `target` are one human: move everything recorded about `source` onto
    `target` (contact details, tags, membership, and any other app's records that point at a
    person), then mark `source` as merged. Nothing is deleted."""
    from members.models import ContactEmail, ContactPhone, Membership, Person

    if source.pk == target.pk:
        return
    with transaction.atomic():
        known_emails = set(target.emails.values_list("address", flat=True))
        for email in ContactEmail.objects.filter(person=source):
            if email.address in known_emails:
                email.delete()
            else:
                email.person = target
                email.save(update_fields=["person", "updated_at"])
        known_phones = set(target.phones.values_list("number", flat=True))
        for phone in ContactPhone.objects.filter(person=source):
            if phone.number in known_phones:
                phone.delete()
            else:
                phone.person = target
                phone.save(update_fields=["person", "updated_at"])
        target.tags.add(*source.tags.all())
        if Membership.objects.filter(person=source).exists():
            if Membership.objects.filter(person=target).exists():
                raise FileProblem("Both records hold a membership; they cannot be merged.")
            Membership.objects.filter(person=source).update(person=target)
        # Every other app's records (canvass results, calls …) follow the person.
        for relation in Person._meta.get_fields(include_hidden=True):
            if not (relation.auto_created and not relation.concrete and relation.one_to_many):
                continue
            model = relation.related_model
            if model in (ContactEmail, ContactPhone, Person) or model._meta.auto_created:
                continue
            model._base_manager.filter(**{relation.field.name: source}).update(
                **{relation.field.name: target}
            )
        for flag in (
            "do_not_contact",
            "do_not_email",
            "do_not_phone",
            "do_not_text",
            "do_not_post",
            "do_not_canvass",
            "deceased",
        ):
            if getattr(source, flag):
                setattr(target, flag, True)
        if source.notes:
            target.notes = "\n".join(x for x in (target.notes, source.notes) if x)
        if target.property_id is None:
            target.property_id = source.property_id
        for reported in ("deceased_on", "moved_away_reported_on"):
            if getattr(target, reported) is None and getattr(source, reported) is not None:
                setattr(target, reported, getattr(source, reported))
        if target.user_id is None and source.user_id is not None:
            user_id = source.user_id
            Person.objects.filter(pk=source.pk).update(user=None)
            target.user_id = user_id
        target.version += 1
        target.save()
        Person.objects.filter(pk=source.pk).update(merged_into=target, user=None)
        # The register entries moved onto the target may put their home somewhere else.
        home_districts_refresh(Person.objects.filter(pk=target.pk))
        target.refresh_from_db(fields=["polling_district"])
        audit_record(
            actor=actor,
            action="person.merge",
            target=target,
            request=request,
            details={"merged_person": source.pk},
        )


# --- Editing a person (issue 9 §3) --------------------------------------------------------
#
# Every edit of a person, their contact details or their membership goes through one
# optimistic lock on Person.version: the form carries the version it was opened at, and the
# save is one `UPDATE … WHERE version = <that>`. If someone saved in between, no row matches,
# nothing is written, and EditConflict says who changed what (from the audit log), so the
# later save is refused rather than silently overwriting the earlier one.

PERSON_FIELDS = (
    "title",
    "first_name",
    "last_name",
    "date_of_birth",
    "notes",
    "deceased",
    "do_not_contact",
    "do_not_email",
    "do_not_phone",
    "do_not_text",
    "do_not_post",
    "do_not_canvass",
)


CONTACT_FIELDS = {
    "email": ("address", "source", "is_primary"),
    "phone": ("number", "kind", "tps_registered", "source", "is_primary"),
}


CONSENT_FIELDS = ("consent", "consent_source", "consent_wording")


MEMBERSHIP_FIELDS = (
    "number",
    "status",
    "branch",
    "joined_on",
    "lapsed_on",
    "in_arrears",
    "roles_held",
)


class EditConflict(Exception):
    """The person was saved by someone else after this form was opened: nothing was written.

    `changes` lists what was saved meanwhile, oldest first, each {"by", "at", "action",
    "before", "after"} (from the audit log; a change made by an import has no entry of its own
    and shows as "someone").
    """

    def __init__(self, person, changes: list[dict]):
        self.person = person
        self.changes = changes
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.changes:
            last = self.changes[-1]
            who, at = last["by"], last["at"]
        else:
            who, at = "Someone (or an import)", self.person.updated_at
        when = timezone.localtime(at).strftime("%H:%M")
        return (
            f"{who} changed this person at {when} while you were editing; your changes were "
            "not saved. Here is what they changed; your form still holds what you entered, "
            "so check it and save again."
        )

    @property
    def lines(self) -> list[str]:
        """What was changed meanwhile, one line a field: who, when, before and after."""
        lines = []
        for change in self.changes:
            when = timezone.localtime(change["at"]).strftime("%H:%M")
            before, after = change["before"], change["after"]
            fields = list(dict.fromkeys([*after, *before]))
            what = change["action"].removeprefix("person.").replace("_", " ")
            if not fields:
                lines.append(f"{change['by']} at {when}: {what}")
            for field in fields:
                label = field.replace("_", " ").capitalize()
                lines.append(
                    f"{change['by']} at {when} ({what}): {label}: "
                    f"“{_shown(before.get(field))}” → “{_shown(after.get(field))}”"
                )
        return lines


def _shown(value) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def _plain(value):
    """A field's value as the audit log keeps it (JSON)."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if hasattr(value, "_meta"):  # a linked row: its name, as people read it
        return str(value)
    return value


def _changes_since(person, version: int) -> list[dict]:
    from clp.models import AuditEntry

    entries = AuditEntry.objects.filter(
        target_type="members.person", target_id=str(person.pk), kind=AuditEntry.Kind.CHANGE
    ).order_by("at", "id")
    return [
        {
            "by": entry.actor_label,
            "at": entry.at,
            "action": entry.action,
            "before": entry.details.get("before", {}),
            "after": entry.details.get("after", {}),
        }
        for entry in entries
        if isinstance(entry.details.get("version"), int) and entry.details["version"] > version
    ]


def _person_claim(person, version: int | None, **fields) -> int:
    """Take the next version of `person` if it is still at `version` (None: whatever it is
    now, for writers that set one field and have no form that could be stale), writing
    `fields` in the same UPDATE. Raises EditConflict, writing nothing, if it is not."""
    from django.db.models import F

    from members.models import Person

    if version is None:
        version = (
            Person.objects.select_for_update().values_list("version", flat=True).get(pk=person.pk)
        )
    else:
        # Someone edited this person by hand: a later monthly amendment does not overwrite it
        # (it is flagged for review instead; see register_update_import).
        fields["edited_at"] = timezone.now()
    if "deceased" in fields:
        fields["deceased_on"] = (
            (person.deceased_on or timezone.localdate()) if fields["deceased"] else None
        )
    updated = Person.objects.filter(pk=person.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    if not updated:
        fresh = Person.objects.get(pk=person.pk)
        raise EditConflict(fresh, _changes_since(fresh, version))
    for name, value in fields.items():
        setattr(person, name, value)
    person.version = version + 1
    return person.version


def _diff(obj, values: dict) -> tuple[dict, dict]:
    before, after = {}, {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            before[name], after[name] = _plain(old), _plain(value)
    return before, after


def person_update(
    *, actor, person, changes: dict, version: int | None, request=None, why: str = ""
) -> list[str]:
    """Edit a person's details, notes, deceased flag, do-not-contact flags (PERSON_FIELDS) and
    tags (`changes["tags"]`, a list of Tag). `version` is the one the editor's form was opened
    at (None only for a writer with no form, e.g. a doorstep result marking someone deceased).
    Audited with each changed field before and after; returns the changed field names."""
    from members.models import Person

    unknown = set(changes) - {*PERSON_FIELDS, "tags"}
    if unknown:
        raise ValueError(f"Not a field of a person's editable details: {sorted(unknown)}")
    with transaction.atomic():
        current = Person.objects.get(pk=person.pk)
        fields = {k: v for k, v in changes.items() if k != "tags"}
        before, after = _diff(current, fields)
        if "tags" in changes:
            old_tags = sorted(current.tags.values_list("name", flat=True))
            new_tags = sorted(tag.name for tag in changes["tags"])
            if old_tags != new_tags:
                before["tags"], after["tags"] = old_tags, new_tags
        if not after:
            if version is not None and version != current.version:
                # Nothing to write, but the form was stale: say so rather than "saved".
                raise EditConflict(current, _changes_since(current, version))
            return []
        new_version = _person_claim(person, version, **{k: fields[k] for k in after if k != "tags"})
        if "tags" in after:
            person.tags.set(changes["tags"])
        audit_record(
            actor=actor,
            action="person.update",
            target=person,
            request=request,
            why=why,
            details={"version": new_version, "before": before, "after": after},
        )
    return list(after)


def person_do_not_contact_set(
    *, actor, person, channel: str, value: bool = True, request=None, why: str = ""
) -> None:
    """Mark (or clear) `person` as not to be contacted on `channel` (email, phone, text, post,
    door, or all). members/consent.py reads these flags, so every sender obeys them."""
    person_update(
        actor=actor,
        person=person,
        changes={DO_NOT_CONTACT_FLAGS[channel]: value},
        version=None,
        request=request,
        why=why,
    )


def _contact_values(kind: str, details: dict, *, actor, contact=None) -> dict:
    """The contact detail's fields from `details`; consent recorded now, by `actor`, whenever
    its state, source or wording changes (or `consent_recorded_at` as given)."""
    values = {k: details[k] for k in CONTACT_FIELDS[kind] if k in details}
    consent = {k: details[k] for k in CONSENT_FIELDS if k in details}
    values.update(consent)
    consent_changed = any(
        getattr(contact, k, "" if k != "consent" else "unknown") != v for k, v in consent.items()
    )
    if consent_changed:
        values["consent_recorded_at"] = details.get("consent_recorded_at") or timezone.now()
        values["consent_recorded_by"] = actor if getattr(actor, "is_authenticated", False) else None
    return values


def person_contact_add(
    *, actor, person, kind: str, details: dict, version: int | None, request=None
):
    """Add an email address (`kind` "email") or phone number ("phone") to `person`, with its
    consent (state, source, the wording they agreed to; recorded now, by `actor`)."""
    from members.models import ContactEmail, ContactPhone

    model = {"email": ContactEmail, "phone": ContactPhone}[kind]
    with transaction.atomic():
        values = _contact_values(kind, details, actor=actor)
        new_version = _person_claim(person, version)
        if values.get("is_primary"):
            model.objects.filter(person=person).update(is_primary=False)
        contact = model.objects.create(person=person, **values)
        after = {k: _plain(v) for k, v in values.items()}
        audit_record(
            actor=actor,
            action=f"person.{kind}_add",
            target=person,
            request=request,
            details={"version": new_version, "before": {}, "after": after, "contact": contact.pk},
        )
    return contact


def person_contact_update(*, actor, person, contact, details: dict, version, request=None):
    """Change a contact detail of `person` or its consent (recorded now, by `actor`, when the
    state, source or wording changes)."""
    from members.models import ContactEmail

    kind = "email" if isinstance(contact, ContactEmail) else "phone"
    if contact.person_id != person.pk:
        raise ValueError("That contact detail belongs to someone else.")
    with transaction.atomic():
        current = type(contact).objects.select_for_update().get(pk=contact.pk)
        values = _contact_values(kind, details, actor=actor, contact=current)
        before, after = _diff(current, values)
        if not after:
            return current
        new_version = _person_claim(person, version)
        if values.get("is_primary"):
            type(contact).objects.filter(person=person).exclude(pk=current.pk).update(
                is_primary=False
            )
        for name, value in values.items():
            setattr(current, name, value)
        current.save(update_fields=[*values, "updated_at"])
        audit_record(
            actor=actor,
            action=f"person.{kind}_update",
            target=person,
            request=request,
            details={
                "version": new_version,
                "before": before,
                "after": after,
                "contact": current.pk,
            },
        )
    return current


def person_contact_delete(*, actor, person, contact, version, request=None) -> None:
    """Remove a wrong or dead email address or phone number (audited with what it was)."""
    from members.models import ContactEmail

    kind = "email" if isinstance(contact, ContactEmail) else "phone"
    if contact.person_id != person.pk:
        raise ValueError("That contact detail belongs to someone else.")
    with transaction.atomic():
        new_version = _person_claim(person, version)
        before = {k: _plain(getattr(contact, k)) for k in (*CONTACT_FIELDS[kind], *CONSENT_FIELDS)}
        contact.delete()
        audit_record(
            actor=actor,
            action=f"person.{kind}_delete",
            target=person,
            request=request,
            details={"version": new_version, "before": before, "after": {}},
        )


def membership_update(*, actor, person, details: dict, version, request=None):
    """Record or change `person`'s membership: number, status, branch, arrears, dates, roles
    held (MEMBERSHIP_FIELDS). Creates the membership if they have none."""
    from members.models import Membership

    values = {k: details[k] for k in MEMBERSHIP_FIELDS if k in details}
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(person=person).first()
        if membership is None:
            before, after = {}, {k: _plain(v) for k, v in values.items()}
        else:
            before, after = _diff(membership, values)
            if not after:
                return membership
        new_version = _person_claim(person, version)
        if membership is None:
            membership = Membership.objects.create(person=person, **values)
        else:
            for name, value in values.items():
                setattr(membership, name, value)
            membership.save(update_fields=[*values, "updated_at"])
        audit_record(
            actor=actor,
            action="person.membership_update",
            target=person,
            request=request,
            details={"version": new_version, "before": before, "after": after},
        )
    return membership
