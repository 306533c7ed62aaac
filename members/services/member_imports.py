"""Membership lists, and matching members to electors on the register."""

from django.db import transaction
from django.utils import timezone

from clp.audit import audit_record
from members import bulk
from members.importers import FileProblem
from members.importers.files import read_table
from members.importers.records import CellError
from members.models import Constituency, Suppression
from members.phones import PhoneNumberRefused, phone_normalise
from members.services.common import (
    Progress,
    _import_recorded,
    _no_progress,
    _Rollback,
    resolve_layout,
)
from members.services.people import person_merge

MEMBER_STATUSES = {
    "member": "member",
    "active": "member",
    "current": "member",
    "new": "member",
    "arrears": "arrears",
    "in arrears": "arrears",
    "lapsed": "lapsed",
    "resigned": "resigned",
    "expelled": "expelled",
    "suspended": "suspended",
    "deceased": "deceased",
}


YES = {"yes", "y", "true", "1", "granted", "opted in", "opt in"}


NO = {"no", "n", "false", "0", "refused", "opted out", "opt out", "withdrawn"}


CONFIDENT = 90


def _candidates(constituency, surname: str, postcode: str):
    from members.models import Elector

    if not postcode:
        return Elector.objects.none()
    return (
        Elector.objects.filter(
            constituency=constituency,
            on_register=True,
            surname__iexact=surname,
            property__postcode=postcode,
        )
        .select_related("property", "person")
        .order_by("id")
    )


def _score(elector, forenames: str, address1: str) -> tuple[int, str]:
    score, reasons = 30, ["surname and postcode"]
    theirs = elector.forenames.upper().split()
    ours = forenames.upper().split()
    if theirs and ours:
        if theirs[0] == ours[0]:
            score += 60
            reasons.append("first name")
        elif theirs[0][0] == ours[0][0]:
            score += 30
            reasons.append("initial")
    lines = elector.property.address_lines if elector.property else []
    if address1 and lines and lines[0].upper() == address1.upper():
        score += 10
        reasons.append("address")
    return min(score, 100), ", ".join(reasons)


def member_match(*, actor, membership, request=None) -> str:
    """Link a member to their register entry: a single confident match is linked at once;
    uncertain ones go to the review queue. Returns "linked", "review" or "none"."""
    from members.models import Elector, MemberMatch

    person = membership.person
    if Elector.objects.filter(person=person).exists():
        return "linked"
    postcode = person.property.postcode if person.property else ""
    address1 = (
        person.property.address_lines[0]
        if person.property and person.property.address_lines
        else ""
    )
    rejected = set(
        MemberMatch.objects.filter(
            membership=membership, status=MemberMatch.Status.REJECTED
        ).values_list("elector_id", flat=True)
    )
    scored = [
        (*_score(e, person.first_name, address1), e)
        for e in _candidates(person.constituency, person.last_name, postcode)
        if e.pk not in rejected and not hasattr(e.person, "membership")
    ]
    confident = [s for s in scored if s[0] >= CONFIDENT]
    if len(confident) > 1:  # prefer the one whose address line also matches, if only one does
        best = max(s[0] for s in confident)
        confident = [s for s in confident if s[0] == best]
    if len(confident) == 1:
        person_merge(actor=actor, source=person, target=confident[0][2].person, request=request)
        return "linked"
    for score, reason, elector in scored:
        MemberMatch.objects.get_or_create(
            membership=membership,
            elector=elector,
            defaults={"score": score, "reason": reason},
        )
    return "review" if scored else "none"


def members_import(
    *,
    actor,
    constituency: Constituency,
    data: bytes,
    filename: str,
    mapping: dict | None = None,
    dry_run: bool = False,
    progress: Progress = _no_progress,
    request=None,
) -> dict:
    """Create or update people and memberships from the party's membership list, keyed by
    membership number, then match new members to register entries."""
    from members.importers.files import clean_cell
    from members.importers.records import (
        address_and_postcode,
        address_key,
        email_digest,
        max_length,
        parse_date,
        phone_digest,
        too_long,
        walk_order,
    )
    from members.models import (
        Branch,
        ConsentState,
        ContactEmail,
        ContactPhone,
        Membership,
        Person,
        Property,
    )

    table = read_table(data, filename=filename)
    resolved = resolve_layout(
        constituency=constituency, kind="members", table=table, mapping=mapping
    )
    columns = resolved.columns
    branches = {b.name.lower(): b for b in Branch.objects.filter(constituency=constituency)}
    suppressed = set(
        Suppression.objects.filter(constituency=constituency).values_list("digest", flat=True)
    )

    # Every value is stored whole or its row refused; the limits are the fields'.
    limits = {
        "membership_number": max_length((Membership, "number")),
        "title": max_length((Person, "title")),
        "forenames": max_length((Person, "first_name")),
        "surname": max_length((Person, "last_name")),
        "postcode": max_length((Property, "postcode")),
        "email": max_length((ContactEmail, "address")),
    }

    def consent(value: str) -> str:
        value = value.strip().lower()
        if value in YES:
            return ConsentState.GRANTED
        if value in NO:
            return ConsentState.REFUSED
        return ConsentState.UNKNOWN

    errors, rows = [], []
    for row, cells in table.rows:

        def get(field, cells=cells):
            return clean_cell(cells[columns[field]]) if field in columns else ""

        def where(field, row=row):
            return f"Row {row}, {resolved.column_label(field)}"

        item = {"row": row}
        item["number"] = get("membership_number")
        if not item["number"]:
            errors.append(f"{where('membership_number')}: the membership number is empty.")
            continue
        status = get("status").lower() or "member"
        if status not in MEMBER_STATUSES:
            errors.append(f"{where('status')}: “{get('status')}” is not a membership status.")
            continue
        item["status"] = MEMBER_STATUSES[status]
        try:
            item["joined"] = parse_date(get("joined"))
            item["lapsed"] = parse_date(get("lapsed"))
            item["dob"] = parse_date(get("dob"))
        except CellError as exc:
            errors.append(f"Row {row}: {exc}.")
            continue
        phones = []
        for field, kind in (("mobile", "mobile"), ("phone", "landline")):
            raw = get(field)
            if not raw:
                continue
            try:
                phones.append((phone_normalise(raw), kind))
            except PhoneNumberRefused as refused:
                errors.append(f"{where(field)}: {refused}")
        item["phones"] = phones
        item["email"] = get("email").lower()
        if item["email"] and "@" not in item["email"]:
            errors.append(f"{where('email')}: “{item['email']}” is not an email address.")
            continue
        lines, postcode = address_and_postcode(
            [get(f"address{i}") for i in range(1, 7)], get("postcode")
        )
        values = {
            "membership_number": item["number"],
            "title": get("title"),
            "forenames": get("forenames"),
            "surname": get("surname"),
            "postcode": postcode,
            "email": item["email"],
        }
        long = [(f, why) for f, v in values.items() if (why := too_long(v, limits[f]))]
        if long:
            # The postcode may have come from the last address line (no postcode column).
            field, why = long[0]
            label = where(field) if field in columns else f"Row {row}, the address"
            errors.append(f"{label}: {why}.")
            continue
        item.update(
            title=values["title"],
            forenames=values["forenames"],
            surname=values["surname"],
            lines=lines,
            postcode=postcode,
            branch=branches.get(get("branch").lower()),
            arrears=get("arrears").lower() in YES,
            email_consent=consent(get("email_consent")),
            phone_consent=consent(get("phone_consent")),
        )
        from members.importers.records import name_digest

        digests = {name_digest(item["forenames"], item["surname"], postcode)}
        if item["email"]:
            digests.add(email_digest(item["email"]))
        digests.update(phone_digest(p) for p, _ in phones)
        item["suppressed"] = bool(digests & suppressed)
        rows.append(item)
    if errors:
        raise FileProblem(errors)

    report = {
        "layout": resolved.name,
        "members_created": 0,
        "members_updated": 0,
        "suppressed": 0,
        "linked": 0,
        "review": 0,
        "unmatched": 0,
        "dry_run": dry_run,
    }
    now = timezone.now()
    source = f"membership list {filename}"[:100]
    try:
        with transaction.atomic():
            existing = {
                m.number: m
                for m in Membership.objects.filter(
                    number__in=[r["number"] for r in rows]
                ).select_related("person")
            }
            to_match = []
            for item in rows:
                if item["suppressed"]:
                    report["suppressed"] += 1
                    continue
                membership = existing.get(item["number"])
                prop = None
                if item["lines"] or item["postcode"]:
                    key = address_key(item["lines"], item["postcode"])
                    number, house_suffix, flat = walk_order(item["lines"])
                    prop, _ = Property.objects.get_or_create(
                        constituency=constituency,
                        address_key=key,
                        defaults={
                            "address_lines": item["lines"],
                            "postcode": item["postcode"],
                            "house_number": number,
                            "house_suffix": house_suffix[:10],
                            "flat": flat[:50],
                        },
                    )
                values = {
                    "status": item["status"],
                    "branch": item["branch"],
                    "joined_on": item["joined"],
                    "lapsed_on": item["lapsed"],
                    "in_arrears": item["arrears"] or item["status"] == "arrears",
                }
                if membership is None:
                    person = Person.objects.create(
                        constituency=constituency,
                        title=item["title"],
                        first_name=item["forenames"],
                        last_name=item["surname"],
                        property=prop,
                        polling_district_id=prop.polling_district_id if prop else None,
                        date_of_birth=item["dob"],
                    )
                    membership = Membership.objects.create(
                        person=person, number=item["number"], **values
                    )
                    report["members_created"] += 1
                    to_match.append(membership)
                else:
                    person = membership.person
                    changed = [f for f, v in values.items() if getattr(membership, f) != v]
                    if changed:
                        for f in changed:
                            setattr(membership, f, values[f])
                        membership.save(update_fields=[*changed, "updated_at"])
                        report["members_updated"] += 1
                    to_match.append(membership)
                if item["email"]:
                    email, created = ContactEmail.objects.get_or_create(
                        person=person,
                        address=item["email"],
                        defaults={"source": source, "is_primary": True},
                    )
                    if item["email_consent"] != ConsentState.UNKNOWN and (
                        email.consent != item["email_consent"]
                    ):
                        email.consent = item["email_consent"]
                        email.consent_recorded_at = now
                        email.save(update_fields=["consent", "consent_recorded_at", "updated_at"])
                for number, kind in item["phones"]:
                    phone, _ = ContactPhone.objects.get_or_create(
                        person=person, number=number, defaults={"source": source, "kind": kind}
                    )
                    if item["phone_consent"] != ConsentState.UNKNOWN and (
                        phone.consent != item["phone_consent"]
                    ):
                        phone.consent = item["phone_consent"]
                        phone.consent_recorded_at = now
                        phone.save(update_fields=["consent", "consent_recorded_at", "updated_at"])
            for index, membership in enumerate(to_match):
                membership.refresh_from_db()
                outcome = member_match(actor=actor, membership=membership, request=request)
                report[{"linked": "linked", "review": "review", "none": "unmatched"}[outcome]] += 1
                if index % 100 == 0:
                    progress(index, len(to_match), "Matching members to the register.")
            written = report["members_created"] + report["members_updated"]
            if written >= bulk.ANALYSE_AFTER_ROWS and not dry_run:
                bulk.analyse(
                    "members_property",
                    "members_person",
                    "members_membership",
                    "members_contactemail",
                    "members_contactphone",
                    "members_membermatch",
                )
            _import_recorded(
                actor=actor,
                action="members.import",
                target=constituency,
                request=request,
                filename=filename,
                report=report,
                dry_run=dry_run,
            )
    except _Rollback as rollback:
        return rollback.report
    return report


def member_match_decide(*, actor, match, same_person: bool, request=None) -> None:
    """An organiser's decision on a queued match: link the member to the elector, or not."""
    from members.models import MemberMatch

    with transaction.atomic():
        match = MemberMatch.objects.select_for_update().get(pk=match.pk)
        if match.status != MemberMatch.Status.PENDING:
            return
        match.status = MemberMatch.Status.ACCEPTED if same_person else MemberMatch.Status.REJECTED
        match.decided_by = actor if getattr(actor, "is_authenticated", False) else None
        match.decided_at = timezone.now()
        match.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        if same_person:
            person_merge(
                actor=actor,
                source=match.membership.person,
                target=match.elector.person,
                request=request,
            )
            MemberMatch.objects.filter(
                membership=match.membership, status=MemberMatch.Status.PENDING
            ).update(status=MemberMatch.Status.REJECTED, decided_at=timezone.now())
        audit_record(
            actor=actor,
            action="member_match." + ("accept" if same_person else "reject"),
            target=match.membership,
            request=request,
            details={"elector": match.elector_id},
        )
