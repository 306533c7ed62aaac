"""Council address exports and their polling stations files."""

from collections import Counter

from django.db import transaction

from members import bulk
from members.home_district import home_districts_refresh
from members.importers import FileProblem, capped
from members.importers.files import read_table
from members.importers.layouts import ADDRESS_PARTS
from members.models import Constituency, PollingDistrict
from members.services.common import (
    Progress,
    _districts_created,
    _import_recorded,
    _no_progress,
    _pd_codes,
    _Rollback,
    _unknown_districts_problem,
    resolve_layout,
)


def _districts_elsewhere(constituency: Constituency, unknown: Counter) -> list[str]:
    """Errors for district codes in the file that are set up for another constituency only:
    the file is probably that constituency's export. One line per code, with its rows."""
    if not unknown:
        return []
    others: dict[str, set[str]] = {}
    for code, name in (
        PollingDistrict.objects.exclude(constituency=constituency)
        .filter(code__in=list(unknown))
        .values_list("code", "constituency__name")
    ):
        others.setdefault(code.upper(), set()).add(name)
    return [
        f"Polling district {code} ({unknown[code]:,} row{'' if unknown[code] == 1 else 's'}) "
        f"belongs to {', '.join(sorted(others[code]))}, not {constituency}: this looks like "
        "that constituency's address export. Nothing was imported; import it there."
        for code in sorted(others)
    ]


def addresses_import(
    *,
    actor,
    constituency: Constituency,
    data: bytes,
    filename: str,
    mapping: dict | None = None,
    dry_run: bool = False,
    new_districts: dict[str, str] | None = None,
    progress: Progress = _no_progress,
    request=None,
) -> dict:
    """Give properties their polling district and polling districts their station, from a
    council EMS address export. UPRNs are compared without leading zeros; dummy records
    (placeholder postcodes, "Dummy Record" addresses) are skipped.

    A district code set up for another constituency (and not this one) refuses the file: it
    is probably another constituency's export. Codes set up nowhere stop the import like a
    register's (DistrictsNeedCreating) unless listed in `new_districts`."""

    from members.importers.files import clean_cell
    from members.importers.records import (
        PLACEHOLDER_POSTCODES,
        address_and_postcode,
        address_key,
        max_length,
        normalise_postcode,
        too_long,
        uprn_clean,
        walk_order,
    )
    from members.models import Person, PollingStation, Property

    table = read_table(data, filename=filename)
    resolved = resolve_layout(
        constituency=constituency, kind="addresses", table=table, mapping=mapping
    )
    columns = resolved.columns
    pd_ids = _pd_codes(constituency)

    def get(cells, field):
        if field not in columns:
            return ""
        value = clean_cell(cells[columns[field]])
        return "" if value.lower() == "n/a" else value

    # Every value is stored whole or its row refused; the limits are the fields'.
    limits = {
        "postcode": max_length((Property, "postcode")),
        "uprn": max_length((Property, "uprn")),
        "station_id": max_length((PollingStation, "code")),
        "station_name": max_length((PollingStation, "name")),
        "station_postcode": max_length((PollingStation, "postcode")),
        "station_uprn": max_length((PollingStation, "uprn")),
    }

    if not any(f in columns for f in ("address1", "street_name")):
        return _stations_import(
            actor=actor,
            constituency=constituency,
            rows=table.rows,
            get=get,
            limits=limits,
            resolved=resolved,
            filename=filename,
            dry_run=dry_run,
            request=request,
        )
    in_parts = "street_name" in columns

    errors, parsed, dummies = [], [], 0
    unknown: Counter = Counter()
    confirmed = {code.strip().upper() for code in (new_districts or {})}
    for row, cells in table.rows:
        if in_parts:
            raw_lines = _address_from_parts({part: get(cells, part) for part in ADDRESS_PARTS})
        else:
            raw_lines = [get(cells, f"address{i}") for i in range(1, 7)]
            # WebLookup gives the house number and street in separate columns.
            if raw_lines[0].isdigit() and raw_lines[1]:
                raw_lines = [f"{raw_lines[0]} {raw_lines[1]}", *raw_lines[2:]]
        lines, postcode = address_and_postcode(raw_lines, get(cells, "postcode"))
        if postcode in PLACEHOLDER_POSTCODES or any("dummy record" in x.lower() for x in lines):
            dummies += 1
            continue
        pd_code = get(cells, "pd").upper()
        if pd_code and pd_code not in pd_ids:
            unknown[pd_code] += 1
            if pd_code not in confirmed:
                continue
        station_name = get(cells, "station_name")
        station_id = get(cells, "station_id")
        station_lines = [x for x in (get(cells, f"station_address{i}") for i in range(1, 7)) if x]
        # Without a name column (WebLookup), a station is known by its address's first line.
        station_name = station_name or (station_lines[0] if station_lines else "")
        station_address = ", ".join(station_lines)
        station_postcode = get(cells, "station_postcode")
        values = {
            "postcode": postcode,
            "uprn": uprn_clean(get(cells, "uprn")),
            "station_id": station_id,
            "station_name": station_name,
            "station_postcode": normalise_postcode(station_postcode) if station_postcode else "",
            "station_uprn": uprn_clean(get(cells, "station_uprn")),
        }
        long = [(f, why) for f, v in values.items() if (why := too_long(v, limits[f]))]
        if long:
            # The postcode may have come from the last address line (no postcode column).
            field, why = long[0]
            label = resolved.column_label(field) if field in columns else "the address"
            errors.append(f"Row {row}, {label}: {why}.")
            continue
        # Without a station id, the station is known by its name, as far as a code holds it.
        station_id = station_id or station_name[: limits["station_id"]]
        parsed.append(
            (
                row,
                lines,
                postcode,
                values["uprn"],
                pd_code,
                station_id,
                station_name or station_id,
                station_address,
                values["station_postcode"],
                values["station_uprn"],
            )
        )
    elsewhere = _districts_elsewhere(constituency, unknown)
    if elsewhere:
        errors[:0] = elsewhere
    if errors:
        raise FileProblem(errors)
    if set(unknown) - confirmed:
        raise _unknown_districts_problem(constituency, unknown)

    report = {
        "layout": resolved.name,
        "dummy_records_skipped": dummies,
        "properties_matched": 0,
        "properties_created": 0,
        "stations": 0,
        "dry_run": dry_run,
    }
    try:
        with transaction.atomic():
            if unknown:
                created = _districts_created(
                    actor=actor,
                    constituency=constituency,
                    new_districts={c: w for c, w in new_districts.items() if c.upper() in unknown},
                    filename=filename,
                    request=request,
                )
                pd_ids.update(created)
                report["polling_districts_created"] = sorted(created)
            by_uprn, by_key = {}, {}
            for prop in Property.objects.filter(constituency=constituency):
                if prop.uprn:
                    by_uprn[prop.uprn.lstrip("0")] = prop
                by_key[prop.address_key] = prop
            stations = {s.code: s for s in PollingStation.objects.filter(constituency=constituency)}
            station_votes: dict[int, Counter] = {}
            to_update, to_create = {}, []
            # A file with no district column (Idox Eros with the address in parts): a
            # property's district is the one its station serves, known from the districts
            # given that station already and from this file's addresses already placed (by the
            # register). A station serving several districts, or none we know, is not guessed.
            serves = _districts_served(constituency, parsed, by_uprn, by_key)
            unplaced: dict[str, list] = {}
            # The file's rows and address keys per property, to report rows merged by UPRN.
            rows_at: dict[int, list] = {}
            for (
                _row,
                lines,
                postcode,
                uprn,
                pd_code,
                sid,
                sname,
                saddress,
                spostcode,
                suprn,
            ) in parsed:
                pd_id = pd_ids.get(pd_code)
                station = None
                if sid:
                    station = stations.get(sid)
                    if station is None:
                        station = PollingStation.objects.create(
                            constituency=constituency,
                            code=sid,
                            name=sname,
                            address=saddress,
                            postcode=spostcode,
                            uprn=suprn,
                        )
                        stations[sid] = station
                        report["stations"] += 1
                key = address_key(lines, postcode)
                prop = by_uprn.get(uprn) if uprn else None
                prop = prop or by_key.get(key)
                if pd_id is None and (prop is None or prop.polling_district_id is None) and sid:
                    served = serves.get(sid, set())
                    if len(served) == 1:
                        pd_id = next(iter(served))
                    else:
                        unplaced.setdefault(sid, [sname, served, 0])[2] += 1
                if prop is None:
                    number, house_suffix, flat = walk_order(lines)
                    prop = Property(
                        constituency=constituency,
                        address_key=key,
                        address_lines=lines,
                        postcode=postcode,
                        uprn=uprn,
                        polling_district_id=pd_id,
                        house_number=number,
                        house_suffix=house_suffix[:10],
                        flat=flat[:50],
                    )
                    by_key[key] = prop
                    if uprn:
                        by_uprn[uprn] = prop
                    to_create.append(prop)
                else:
                    if pd_id:
                        prop.polling_district_id = pd_id
                    if uprn:
                        prop.uprn = uprn
                    if prop.pk:
                        to_update[prop.pk] = prop
                rows_at.setdefault(id(prop), []).append(key)
                district = pd_id or prop.polling_district_id
                if station is not None and district:
                    station_votes.setdefault(district, Counter())[station.pk] += 1
            report["notes"] = _uprn_merges(rows_at) + _unplaced_notes(unplaced, pd_ids)
            report["addresses_without_district"] = sum(n for _, _, n in unplaced.values())
            Property.objects.bulk_create(to_create, batch_size=2000)
            Property.objects.bulk_update(
                list(to_update.values()), ["polling_district", "uprn"], batch_size=2000
            )
            # People at an address whose district changed live there now.
            home_districts_refresh(Person.objects.filter(property_id__in=list(to_update)))
            report["properties_created"] = len(to_create)
            report["properties_matched"] = len(to_update)
            for district, votes in station_votes.items():
                PollingDistrict.objects.filter(pk=district).update(
                    polling_station_id=votes.most_common(1)[0][0]
                )
            report["polling_districts_with_station"] = len(station_votes)
            written = report["properties_created"] + report["properties_matched"]
            if written >= bulk.ANALYSE_AFTER_ROWS and not dry_run:
                bulk.analyse("members_property")
            _import_recorded(
                actor=actor,
                action="addresses.import",
                target=constituency,
                request=request,
                filename=filename,
                report=report,
                dry_run=dry_run,
            )
    except _Rollback as rollback:
        return rollback.report
    return report


def _stations_import(
    *, actor, constituency, rows, get, limits, resolved, filename, dry_run, request
) -> dict:
    """A file of polling stations alone (Democracy Counts sends one beside its addresses):
    each station's name and address, matched to the stations an address export names by
    their code. No property or district changes."""
    from members.importers.records import normalise_postcode, too_long
    from members.models import PollingStation

    errors, found = [], {}
    for row, cells in rows:
        code = get(cells, "station_id")
        if not code:
            errors.append(f"Row {row}, {resolved.column_label('station_id')}: the code is empty.")
            continue
        lines = [x for x in (get(cells, f"station_address{i}") for i in range(1, 7)) if x]
        postcode = get(cells, "station_postcode")
        values = {
            "station_id": code,
            "station_name": get(cells, "station_name") or (lines[0] if lines else code),
            "station_postcode": normalise_postcode(postcode) if postcode else "",
        }
        long = [(f, why) for f, v in values.items() if (why := too_long(v, limits[f]))]
        if long:
            field, why = long[0]
            errors.append(f"Row {row}, {resolved.column_label(field)}: {why}.")
            continue
        found[code] = (values["station_name"], ", ".join(lines), values["station_postcode"])
    if errors:
        raise FileProblem(errors)
    report = {"layout": resolved.name, "stations": 0, "stations_updated": 0, "dry_run": dry_run}
    try:
        with transaction.atomic():
            known = {s.code: s for s in PollingStation.objects.filter(constituency=constituency)}
            for code, (name, address, postcode) in found.items():
                station = known.get(code)
                if station is None:
                    PollingStation.objects.create(
                        constituency=constituency,
                        code=code,
                        name=name,
                        address=address,
                        postcode=postcode,
                    )
                    report["stations"] += 1
                elif (station.name, station.address, station.postcode) != (name, address, postcode):
                    station.name, station.address, station.postcode = name, address, postcode
                    station.save(update_fields=["name", "address", "postcode", "updated_at"])
                    report["stations_updated"] += 1
            _import_recorded(
                actor=actor,
                action="addresses.import",
                target=constituency,
                request=request,
                filename=filename,
                report=report,
                dry_run=dry_run,
            )
    except _Rollback as rollback:
        return rollback.report
    return report


def _address_from_parts(parts: dict[str, str]) -> list[str]:
    """Idox Eros's address in parts → address lines as a register prints them: the house's
    name; its number with the sub-street (or, without one, with the street); the street;
    locality; town. So a property on the register is found again by its address."""

    def joined(*values):
        return " ".join(x for x in values if x)

    if parts["sub_street_name"]:
        streets = [
            joined(parts["house_number"], parts["sub_street_name"]),
            joined(parts["street_number"], parts["street_name"]),
        ]
    else:
        streets = [joined(parts["house_number"], parts["street_number"], parts["street_name"])]
    return [parts["house_name"], *streets, parts["locality"], parts["town"]]


def _districts_served(constituency, parsed: list, by_uprn: dict, by_key: dict) -> dict:
    """Station code → the polling districts it serves, as far as we know them: the districts
    already given that station, and the districts of the file's addresses we already know
    (from the register) that vote there."""
    from members.importers.records import address_key

    serves: dict[str, set] = {}
    for code, pd_id in PollingDistrict.objects.filter(
        constituency=constituency, polling_station__isnull=False
    ).values_list("polling_station__code", "pk"):
        serves.setdefault(code, set()).add(pd_id)
    for _row, lines, postcode, uprn, pd_id, sid, *_station in parsed:
        if not sid:
            continue
        prop = (by_uprn.get(uprn) if uprn else None) or by_key.get(address_key(lines, postcode))
        district = pd_id or (prop.polling_district_id if prop is not None else None)
        if district:
            serves.setdefault(sid, set()).add(district)
    return serves


def _uprn_merges(rows_at: dict[int, list]) -> list[str]:
    """What an address export merged: rows at different addresses sharing one UPRN become one
    property (the council's UPRN is the property's identity)."""
    groups = [keys for keys in rows_at.values() if len(set(keys)) > 1]
    if not groups:
        return []
    rows = sum(len(keys) for keys in groups)
    addresses = sum(len(set(keys)) for keys in groups)
    properties = len(groups)
    return [
        f"{rows:,} rows at {addresses:,} different addresses share a UPRN with another row "
        f"and were merged into {properties:,} propert{'y' if properties == 1 else 'ies'}."
    ]


def _unplaced_notes(unplaced: dict[str, list], pd_ids: dict[str, int]) -> list[str]:
    """One note per station whose new addresses were left without a polling district."""
    codes = {pk: code for code, pk in pd_ids.items()}
    notes = []
    for sid, (name, served, count) in sorted(unplaced.items()):
        where = f"polling station “{name}” ({sid})" if name != sid else f"polling station {sid}"
        if served:
            why = f"it serves {', '.join(sorted(codes.get(pk, '?') for pk in served))}"
        else:
            why = "we do not know which polling district it serves"
        notes.append(
            f"{count:,} address{'' if count == 1 else 'es'} voting at {where} "
            f"{'was' if count == 1 else 'were'} given no polling district: {why}. Import the "
            "register (or an export with a district column) first, then this file again."
        )
    return capped(notes)
