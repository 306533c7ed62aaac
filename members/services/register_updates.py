"""Monthly register updates (amendments), and how they reach each person."""

import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from members import bulk
from members.home_district import home_districts_refresh
from members.importers import FileProblem
from members.importers.files import read_table
from members.importers.layouts import Resolved
from members.importers.records import CellError, register_parser, same_home
from members.models import Constituency, RegisterEdition
from members.services.common import (
    Progress,
    _import_recorded,
    _no_progress,
    _pd_codes,
    _Rollback,
    resolve_layout,
)


def _pd_column(resolved: Resolved) -> str:
    field = "pd" if "pd" in resolved.columns else "elector_number"
    return resolved.column_label(field)


def _change_kind(cells: list[str], columns: dict[str, int]) -> str:
    """N (new), M (amended) or D (deleted) for one update row, or "" if it does not say."""
    if "change" in columns:
        value = cells[columns["change"]].strip().upper()[:1]
        return {"+": "N", "-": "D", "=": "M"}.get(value, value)

    def get(field):
        return cells[columns[field]].strip() if field in columns else ""

    if get("deleted"):
        return "D"
    created, changed, current = get("created"), get("changed"), get("current")
    if created and (not changed or created in (changed, current)):
        return "N"
    if changed:
        return "M"
    return ""


def _property_for(constituency, record, pd_id: int, cache: dict):
    from members.importers.records import address_key, walk_order
    from members.models import Property

    if not record.address_lines and not record.postcode:
        return None
    key = address_key(record.address_lines, record.postcode)
    if key in cache:
        return cache[key]
    number, house_suffix, flat = walk_order(record.address_lines)
    prop, _ = Property.objects.get_or_create(
        constituency=constituency,
        address_key=key,
        defaults={
            "polling_district_id": pd_id,
            "address_lines": record.address_lines,
            "postcode": record.postcode,
            "uprn": record.uprn,
            "house_number": number,
            "house_suffix": house_suffix[:10],
            "flat": flat[:50],
        },
    )
    cache[key] = prop
    return prop


def _person_follows_amendment(
    elector, record, prop, *, published_on: datetime.date, report: dict
) -> None:
    """An amended entry's new name or address, onto its person, unless the person was edited
    by hand since the update was published: then flag them for review instead."""
    from members.models import Person

    person = elector.person
    updates = {}
    names = {"title": record.title, "first_name": record.forenames, "last_name": record.surname}
    if any(getattr(person, f) != v for f, v in names.items()):
        updates.update(names)
    if prop is not None and person.property_id != prop.pk:
        updates["property"] = prop
    if not updates:
        return
    now = timezone.now()
    if person.edited_at and timezone.localdate(person.edited_at) >= published_on:
        listed = f"{record.forenames} {record.surname}".strip()
        address = ", ".join([*record.address_lines, record.postcode]).strip(", ")
        reason = (
            f"The register update of {published_on:%d %b %Y} lists "
            f"{elector.elector_number} as {listed}{f', {address}' if address else ''}, but "
            f"this person was edited by hand on {timezone.localtime(person.edited_at):%d %b %Y}"
            ", so it was not applied. Check which is right."
        )[:300]
        Person.objects.filter(pk=person.pk).update(review_reason=reason, updated_at=now)
        report["people_to_review"].append(
            {"person": person.pk, "elector": elector.elector_number, "listed_as": listed}
        )
        return
    Person.objects.filter(pk=person.pk).update(**updates, version=F("version") + 1, updated_at=now)
    if "first_name" in updates:
        report["people_renamed"] += 1
    if "property" in updates:
        report["people_moved"] += 1


def _moved_away_confirmed(person_ids, published_on: datetime.date) -> int:
    """People reported at the door as moved away (by `published_on`), among `person_ids`, whom
    the register now lists nowhere: it confirms the report, so the flag is cleared. Returns
    how many."""
    from members.models import Elector, Person

    flagged = set(
        Person.objects.filter(
            pk__in=list(person_ids), moved_away_reported_on__lte=published_on
        ).values_list("pk", flat=True)
    )
    if not flagged:
        return 0
    listed = set(
        Elector.objects.filter(person_id__in=flagged, on_register=True).values_list(
            "person_id", flat=True
        )
    )
    return Person.objects.filter(pk__in=flagged - listed).update(
        moved_away_reported_on=None, updated_at=timezone.now()
    )


def register_update_import(
    *,
    actor,
    constituency: Constituency,
    data: bytes,
    filename: str,
    published_on: datetime.date | None = None,
    mapping: dict | None = None,
    dry_run: bool = False,
    progress: Progress = _no_progress,
    request=None,
) -> dict:
    """Apply a monthly update notice to the current register edition.

    Additions create entries (re-applying the same notice changes nothing), amendments update
    them, deletions mark them off the register (the entry and its person stay: history is
    never destroyed). An amendment or deletion for a number not on the register is an error.

    An amendment that changes the entry's name or address changes its person too, unless the
    person was edited by hand on or after the update's publication date (`Person.edited_at`):
    then the person is left as edited and flagged for an organiser to check
    (`Person.review_reason`, listed in the report's "people_to_review"). A new town line alone
    is not a house move: the entry and its person stay at their address (records.same_home).
    """
    from members.models import Elector, Person

    published_on = published_on or timezone.localdate()
    table = read_table(data, filename=filename)
    resolved = resolve_layout(
        constituency=constituency, kind="update", table=table, mapping=mapping
    )
    edition = (
        RegisterEdition.objects.filter(constituency=constituency, kind=RegisterEdition.Kind.FULL)
        .order_by("-published_on", "-id")
        .first()
    )
    if edition is None:
        raise FileProblem("Import a full register before applying monthly updates to it.")
    pd_ids = _pd_codes(constituency)
    parse = register_parser(resolved.columns, published_on)
    errors, rows = [], []
    for row, cells in table.rows:
        try:
            record = parse(cells, row)
        except CellError as exc:
            errors.append(f"Row {row}, {exc}.")
            continue
        record.change = _change_kind(cells, resolved.columns)
        if record.pd_code not in pd_ids:
            errors.append(
                f"Row {row}, {_pd_column(resolved)}: polling district “{record.pd_code}” is not "
                f"set up for {constituency}."
            )
        elif record.change not in ("N", "M", "D"):
            errors.append(f"Row {row}: the row does not say whether it adds, amends or deletes.")
        else:
            rows.append(record)
    # The entries on the register now (an entry a re-import left unchanged keeps the edition
    # it came from), and this edition's entries that a deletion took off, so that re-adding
    # one restores it. On the register wins when both share a number.
    existing = {
        (e.polling_district_id, e.number, e.suffix): e
        for e in Elector.objects.filter(
            Q(on_register=True) | Q(edition=edition),
            constituency=constituency,
            polling_district_id__in={pd_ids[r.pd_code] for r in rows},
        )
        .select_related("person", "property", "polling_district")
        .order_by("on_register")
    }
    for record in rows:
        key = (pd_ids[record.pd_code], record.number, record.suffix)
        if record.change in ("M", "D") and key not in existing:
            errors.append(
                f"Row {record.row}, {_pd_column(resolved)}: elector {record.display_number} is "
                f"not on the {edition} register, so it cannot be "
                f"{'amended' if record.change == 'M' else 'deleted'}."
            )
    if errors:
        raise FileProblem(errors)

    report = {
        "layout": resolved.name,
        "added": 0,
        "amended": 0,
        "deleted": 0,
        "people_renamed": 0,
        "people_moved": 0,
        "people_to_review": [],
        "moved_away_confirmed": 0,
        "dry_run": dry_run,
    }
    touched: set[int] = set()  # people whose home district may have changed
    try:
        with transaction.atomic():
            bulk.lock_register(constituency.pk)
            cache: dict = {}
            for index, record in enumerate(rows):
                pd_id = pd_ids[record.pd_code]
                key = (pd_id, record.number, record.suffix)
                elector = existing.get(key)
                if record.change == "D":
                    if elector.on_register:
                        elector.on_register = False
                        elector.left_register_on = published_on
                        elector.save(
                            update_fields=["on_register", "left_register_on", "updated_at"]
                        )
                        touched.add(elector.person_id)
                        report["deleted"] += 1
                    continue
                prop = _property_for(constituency, record, pd_id, cache)
                if (
                    elector is not None
                    and prop is not None
                    and elector.property is not None
                    and prop.pk != elector.property_id
                    and same_home(
                        elector.property.address_lines,
                        elector.property.postcode,
                        record.address_lines,
                        record.postcode,
                    )
                ):
                    prop = elector.property  # a new town line alone: not a house move
                values = {
                    "title": record.title,
                    "surname": record.surname,
                    "forenames": record.forenames,
                    "markers": record.markers,
                    "attainer_date": record.attainer_date,
                    "date_of_birth": record.date_of_birth,
                    "is_postal_voter": record.is_postal,
                    "is_proxy_voter": record.is_proxy,
                    "open_register_opt_out": record.opt_out,
                    "property": prop,
                    "on_register": True,
                    "left_register_on": None,
                }
                if elector is not None:
                    changed = [f for f, v in values.items() if getattr(elector, f) != v]
                    if changed:
                        for f in changed:
                            setattr(elector, f, values[f])
                        elector.save(update_fields=[*changed, "updated_at"])
                        report["amended"] += 1
                    _person_follows_amendment(
                        elector, record, prop, published_on=published_on, report=report
                    )
                    touched.add(elector.person_id)
                    continue
                person = None
                if prop is not None:
                    earlier = Elector.objects.filter(
                        constituency=constituency,
                        property=prop,
                        surname__iexact=record.surname,
                        forenames__iexact=record.forenames,
                    ).first()
                    person = earlier.person if earlier else None
                if person is None:
                    person = Person.objects.create(
                        constituency=constituency,
                        title=record.title,
                        first_name=record.forenames,
                        last_name=record.surname,
                        property=prop,
                        date_of_birth=record.date_of_birth,
                    )
                existing[key] = Elector.objects.create(
                    constituency=constituency,
                    polling_district_id=pd_id,
                    number=record.number,
                    suffix=record.suffix,
                    edition=edition,
                    person=person,
                    **values,
                )
                touched.add(person.pk)
                report["added"] += 1
                if index % 200 == 0:
                    progress(index, len(rows), "Applying changes.")
            home_districts_refresh(Person.objects.filter(pk__in=touched))
            report["moved_away_confirmed"] = _moved_away_confirmed(touched, published_on)
            written = report["added"] + report["amended"] + report["deleted"]
            if written >= bulk.ANALYSE_AFTER_ROWS and not dry_run:
                bulk.analyse("members_property", "members_person", "members_elector")
            _import_recorded(
                actor=actor,
                action="register.update",
                target=edition,
                request=request,
                filename=filename,
                report=report,
                dry_run=dry_run,
            )
    except _Rollback as rollback:
        return rollback.report
    return report
