"""Setting up and changing a constituency's geography: wards, branches, polling districts and
polling stations. Each service is keyword-only, transactional and audited.

Nothing is deleted: electors, history and role grants point at these rows. A ward, branch,
district or station that is no longer used is retired (`retired_on`): it keeps its records and
leaves the pickers (`in_use()`).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clp.audit import audit_record
from members.models import Branch, Constituency, PollingDistrict, PollingStation, Ward


def _clean_name(name: str, what: str, limit: int = 120) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(f"Give the {what} a name.")
    if len(name) > limit:
        raise ValidationError(f"A {what} name has at most {limit} characters.")
    return name


def _clean_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not code:
        raise ValidationError("Give the polling district its code, as the council writes it.")
    if len(code) > 10:
        raise ValidationError("A polling district code has at most 10 characters.")
    return code


def _same_constituency(constituency_id: int, *others) -> None:
    for other in others:
        if other is not None and other.constituency_id != constituency_id:
            raise ValidationError(f"{other} belongs to another constituency.")


def _audited(actor, action, target, request, **details):
    audit_record(actor=actor, action=action, target=target, request=request, details=details)


# Constituency


def constituency_create(*, actor, name: str, code: str = "", request=None) -> Constituency:
    """Create a constituency (a CLP). The IT manager does this once, then grants organisers."""
    name = _clean_name(name, "constituency")
    if Constituency.objects.filter(name__iexact=name).exists():
        raise ValidationError(f"There is already a constituency called {name}.")
    with transaction.atomic():
        constituency = Constituency.objects.create(name=name, code=(code or "").strip()[:12])
        _audited(actor, "constituency.create", constituency, request, code=constituency.code)
    return constituency


# Wards


def ward_create(*, actor, constituency: Constituency, name: str, code: str = "", request=None):
    name = _clean_name(name, "ward")
    if Ward.objects.filter(constituency=constituency, name__iexact=name).exists():
        raise ValidationError(f"There is already a ward called {name}.")
    with transaction.atomic():
        ward = Ward.objects.create(constituency=constituency, name=name, code=code.strip()[:12])
        _audited(actor, "ward.create", ward, request)
    return ward


def ward_rename(*, actor, ward: Ward, name: str, request=None) -> Ward:
    name = _clean_name(name, "ward")
    clash = Ward.objects.filter(constituency_id=ward.constituency_id, name__iexact=name)
    if clash.exclude(pk=ward.pk).exists():
        raise ValidationError(f"There is already a ward called {name}.")
    with transaction.atomic():
        before = ward.name
        ward.name = name
        ward.save(update_fields=["name", "updated_at"])
        _audited(actor, "ward.rename", ward, request, before=before)
    return ward


def ward_retire(*, actor, ward: Ward, on: datetime.date | None = None, request=None) -> Ward:
    """Retire a ward once none of its polling districts is in use (move or retire them first)."""
    districts = ward.polling_districts.in_use()
    if districts.exists():
        codes = ", ".join(districts.values_list("code", flat=True)[:10])
        raise ValidationError(
            f"{ward} still has polling districts ({codes}): move them to another ward or "
            "retire them first."
        )
    with transaction.atomic():
        ward.retired_on = on or timezone.localdate()
        ward.save(update_fields=["retired_on", "updated_at"])
        _audited(actor, "ward.retire", ward, request, retired_on=str(ward.retired_on))
    return ward


# Branches


def branch_create(
    *, actor, constituency: Constituency, name: str, wards=(), request=None
) -> Branch:
    name = _clean_name(name, "branch")
    wards = list(wards)
    _same_constituency(constituency.pk, *wards)
    if Branch.objects.filter(constituency=constituency, name__iexact=name).exists():
        raise ValidationError(f"There is already a branch called {name}.")
    with transaction.atomic():
        branch = Branch.objects.create(constituency=constituency, name=name)
        branch.wards.set(wards)
        _audited(actor, "branch.create", branch, request, wards=[w.name for w in wards])
    return branch


def branch_rename(*, actor, branch: Branch, name: str, request=None) -> Branch:
    name = _clean_name(name, "branch")
    clash = Branch.objects.filter(constituency_id=branch.constituency_id, name__iexact=name)
    if clash.exclude(pk=branch.pk).exists():
        raise ValidationError(f"There is already a branch called {name}.")
    with transaction.atomic():
        before = branch.name
        branch.name = name
        branch.save(update_fields=["name", "updated_at"])
        _audited(actor, "branch.rename", branch, request, before=before)
    return branch


def branch_wards_set(*, actor, branch: Branch, wards, request=None) -> Branch:
    """Say which wards a branch covers (moving wards between branches)."""
    wards = list(wards)
    _same_constituency(branch.constituency_id, *wards)
    with transaction.atomic():
        before = sorted(branch.wards.values_list("name", flat=True))
        branch.wards.set(wards)
        _audited(
            actor,
            "branch.wards",
            branch,
            request,
            before=before,
            after=sorted(w.name for w in wards),
        )
    return branch


def branch_retire(*, actor, branch: Branch, on: datetime.date | None = None, request=None):
    with transaction.atomic():
        branch.retired_on = on or timezone.localdate()
        branch.save(update_fields=["retired_on", "updated_at"])
        _audited(actor, "branch.retire", branch, request, retired_on=str(branch.retired_on))
    return branch


# Polling districts


def polling_district_create(
    *,
    actor,
    constituency: Constituency,
    code: str,
    ward: Ward | None = None,
    name: str = "",
    request=None,
) -> PollingDistrict:
    """Create a polling district; its ward may be set now or later (polling_district_move)."""
    code = _clean_code(code)
    _same_constituency(constituency.pk, ward)
    existing = PollingDistrict.objects.filter(constituency=constituency, code=code).first()
    if existing is not None:
        raise ValidationError(f"Polling district {code} is already set up.")
    with transaction.atomic():
        district = PollingDistrict.objects.create(
            constituency=constituency, code=code, ward=ward, name=(name or "").strip()[:120]
        )
        _audited(actor, "polling_district.create", district, request, ward=str(ward or ""))
    return district


def polling_districts_create_from_file(
    *, actor, constituency: Constituency, wards: dict[str, Ward | None], filename: str, request=None
) -> dict[str, int]:
    """Create the districts a council file named and the user confirmed, inside the import's
    transaction (so they exist only if the import does). Returns {code: id}."""
    created = {}
    for code, ward in sorted(wards.items()):
        _same_constituency(constituency.pk, ward)
        district = PollingDistrict.objects.create(constituency=constituency, code=code, ward=ward)
        _audited(
            actor,
            "polling_district.create",
            district,
            request,
            ward=str(ward or ""),
            from_file=filename,
        )
        created[code] = district.pk
    return created


def polling_district_rename(
    *, actor, district: PollingDistrict, name: str, request=None
) -> PollingDistrict:
    """Change a district's name (its code is the council's and comes with every file)."""
    with transaction.atomic():
        before = district.name
        district.name = " ".join((name or "").split())[:120]
        district.save(update_fields=["name", "updated_at"])
        _audited(actor, "polling_district.rename", district, request, before=before)
    return district


def polling_district_move(
    *, actor, district: PollingDistrict, ward: Ward, request=None
) -> PollingDistrict:
    """Put a district in a ward (boundary changes, or a district created without one)."""
    _same_constituency(district.constituency_id, ward)
    if ward.retired_on:
        raise ValidationError(f"{ward} is retired.")
    with transaction.atomic():
        before = str(district.ward or "")
        district.ward = ward
        district.save(update_fields=["ward", "updated_at"])
        _audited(actor, "polling_district.move", district, request, before=before, after=str(ward))
    return district


def polling_district_station_set(
    *, actor, district: PollingDistrict, station: PollingStation | None, request=None
) -> PollingDistrict:
    """Say where a district's electors vote (moving a district to another station)."""
    _same_constituency(district.constituency_id, station)
    with transaction.atomic():
        before = str(district.polling_station or "")
        district.polling_station = station
        district.save(update_fields=["polling_station", "updated_at"])
        _audited(
            actor,
            "polling_district.station",
            district,
            request,
            before=before,
            after=str(station or ""),
        )
    return district


def polling_district_retire(
    *, actor, district: PollingDistrict, on: datetime.date | None = None, request=None
) -> PollingDistrict:
    """Retire a district (e.g. merged by a boundary review). Its electors and history stay."""
    with transaction.atomic():
        district.retired_on = on or timezone.localdate()
        district.save(update_fields=["retired_on", "updated_at"])
        _audited(
            actor, "polling_district.retire", district, request, retired_on=str(district.retired_on)
        )
    return district


# Polling stations


def polling_station_create(
    *,
    actor,
    constituency: Constituency,
    name: str,
    code: str = "",
    address: str = "",
    postcode: str = "",
    request=None,
) -> PollingStation:
    name = _clean_name(name, "polling station", limit=200)
    with transaction.atomic():
        station = PollingStation.objects.create(
            constituency=constituency,
            name=name,
            code=(code or "").strip()[:30],
            address=(address or "").strip(),
            postcode=(postcode or "").strip().upper()[:10],
        )
        _audited(actor, "polling_station.create", station, request)
    return station


def polling_station_rename(
    *, actor, station: PollingStation, name: str, request=None
) -> PollingStation:
    name = _clean_name(name, "polling station", limit=200)
    with transaction.atomic():
        before = station.name
        station.name = name
        station.save(update_fields=["name", "updated_at"])
        _audited(actor, "polling_station.rename", station, request, before=before)
    return station


def polling_station_retire(
    *, actor, station: PollingStation, on: datetime.date | None = None, request=None
) -> PollingStation:
    """Retire a station no district votes at any more (move its districts first)."""
    using = station.polling_districts.in_use()
    if using.exists():
        codes = ", ".join(using.values_list("code", flat=True)[:10])
        raise ValidationError(
            f"Districts {codes} still vote at {station}: give them another station first."
        )
    with transaction.atomic():
        station.retired_on = on or timezone.localdate()
        station.save(update_fields=["retired_on", "updated_at"])
        _audited(
            actor, "polling_station.retire", station, request, retired_on=str(station.retired_on)
        )
    return station
