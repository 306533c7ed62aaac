"""The absent voters list: the council's file of postal and proxy voters for an election."""

import pytest

from clp.models import AuditEntry
from clp.roles import RoleCode
from members.models import AbsentVoter, Elector, VoteMethod
from pollingday.services.imports import (
    NeedsMapping,
    RowsRefused,
    absent_voters_import,
    surname_matches,
)
from pollingday.tests.factories import add_electors

pytestmark = pytest.mark.django_db


@pytest.fixture
def electors(world):
    """CA-1..5 (Highson), CB-1..3 (Millson), CC-1..2, RA-1..2 (the election's districts)."""
    ca = add_electors(world.districts["CA"], 5)
    cb = add_electors(world.districts["CB"], 3, street_name="Mill Lane")
    cc = add_electors(world.districts["CC"], 2, street_name="Church Road")
    ra = add_electors(world.districts["RA"], 2, street_name="River Walk")
    return {"CA": ca, "CB": cb, "CC": cc, "RA": ra}


def _csv(*lines: str, encoding="utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


XPRESS_STYLE = _csv(
    "Elector Number,Name,Postal Address 1,Postal Address 2,Postal Address 3,Proxy Name,"
    "Proxy Address 1,Proxy Address 2,AV Type",
    'CA-1,"Highson, Voter1",1 High Street,Northbridge,NB1 1AA,,,,Postal',
    'CA-2,"Highson, Voter2",Flat 3,9 Sea Road,Southport,,,,Postal',
    'CB-1,"Millson, Voter1",,,,Jane Doe,4 Elm Close,Northbridge,Proxy',
)


def _import(election, user, data, **kwargs):
    return absent_voters_import(
        actor=user, election=election, data=data, filename="av.csv", **kwargs
    )


def test_organiser_imports_postal_and_proxy_voters_in_one_file(world, electors, users):
    organiser = users[RoleCode.ORGANISER]
    preview = _import(world.election, organiser, XPRESS_STYLE, dry_run=True)
    assert preview["postal"] == 2 and preview["proxy"] == 1 and preview["new"] == 3
    assert preview["summary"].startswith(
        "2 postal voters and 1 proxy; 3 new since the last list; 0 on the last list"
    )
    assert AbsentVoter.objects.count() == 0  # a preview writes nothing

    report = _import(world.election, organiser, XPRESS_STYLE)
    assert report["new"] == 3
    ca1 = AbsentVoter.objects.get(elector=electors["CA"][0])
    assert ca1.method == VoteMethod.POSTAL
    assert ca1.ballot_address == "1 High Street\nNorthbridge\nNB1 1AA"
    assert ca1.person_id == electors["CA"][0].person_id
    proxy = AbsentVoter.objects.get(elector=electors["CB"][0])
    assert (proxy.method, proxy.proxy_name, proxy.proxy_address) == (
        VoteMethod.PROXY,
        "Jane Doe",
        "4 Elm Close\nNorthbridge",
    )
    assert Elector.objects.get(pk=electors["CA"][1].pk).is_postal_voter
    cb1 = Elector.objects.get(pk=electors["CB"][0].pk)
    assert cb1.is_proxy_voter and not cb1.is_postal_voter
    entry = AuditEntry.objects.get(action="pollingday.absent_voters.import")
    assert entry.details["postal"] == 2 and entry.details["filename"] == "av.csv"


def test_reimporting_the_same_list_changes_nothing(world, electors, users):
    organiser = users[RoleCode.ORGANISER]
    _import(world.election, organiser, XPRESS_STYLE)
    before = list(AbsentVoter.objects.order_by("pk").values())
    again = _import(world.election, organiser, XPRESS_STYLE)
    assert (again["new"], again["changed"], again["removed"], again["unchanged"]) == (0, 0, 0, 3)
    assert again.get("electors_updated") == 0
    assert list(AbsentVoter.objects.order_by("pk").values()) == before


def test_header_variants_are_recognised(world, electors, users):
    """Prefix/number/suffix columns (Idox-style), surname and forenames, ballot address in one
    column; and a windows-1252 file with a Welsh name."""
    organiser = users[RoleCode.ORGANISER]
    idox = _csv(
        "PD,ENO,Suffix,Surname,Forename(s),Ballot Address",
        "CA,3,,HIGHSON,Voter3,2 Lôn Las Bangor",
        "CA,4,0,highson,Voter4,Somewhere",
    )
    report = _import(world.election, organiser, idox, list_kind="postal")
    assert (report["postal"], report["new"]) == (2, 2)
    assert AbsentVoter.objects.get(elector=electors["CA"][2]).ballot_address == "2 Lôn Las Bangor"

    Elector.objects.filter(pk=electors["CC"][0].pk).update(surname="O'Brien-Jones")
    windows = _csv(
        "Polling District;Elector No;Elector Name;Postal Address 1",
        "CC;1;Voter1 O BRIEN JONES;Ty Lôn",
        encoding="cp1252",
    )
    assert b"L\xf4n" in windows
    report = _import(world.election, organiser, windows, list_kind="postal")
    assert report["postal"] == 1
    assert AbsentVoter.objects.get(elector=electors["CC"][0]).ballot_address == "Ty Lôn"
    # A file for CC alone takes nobody in CA off the list (councils send a file a district).
    assert report["removed"] == 0

    eno_style = _csv(
        "ENO,Surname,Type,Proxy Name,Proxy Address 1",
        "RA-2,Riverson,PX,Sam Proxy,1 Quay",
    )
    report = _import(world.election, organiser, eno_style, list_kind="proxy")
    assert report["proxy"] == 1
    assert AbsentVoter.objects.filter(method=VoteMethod.PROXY).count() == 1
    assert AbsentVoter.objects.filter(method=VoteMethod.POSTAL).count() == 3  # untouched


def test_an_unknown_header_asks_for_the_columns_and_the_mapping_imports(world, electors, users):
    organiser = users[RoleCode.ORGANISER]
    odd = _csv("Ref,Who,Send to", "CA-5,Voter5 Highson,5 High Street")
    with pytest.raises(NeedsMapping) as need:
        _import(world.election, organiser, odd)
    assert need.value.header == ["Ref", "Who", "Send to"]
    report = _import(
        world.election,
        organiser,
        odd,
        mapping={"number": "Ref", "name": "Who", "ballot1": "Send to"},
    )
    assert report["postal"] == 1
    assert AbsentVoter.objects.get(elector=electors["CA"][4]).ballot_address == "5 High Street"


def test_any_mismatching_row_refuses_the_whole_file_row_by_row(world, electors, users, geography):
    organiser = users[RoleCode.ORGANISER]
    _import(world.election, organiser, XPRESS_STYLE)
    before = list(AbsentVoter.objects.order_by("pk").values())
    other_district = next(code for code in world.districts if code not in {"CA", "CB", "CC", "RA"})
    bad = _csv(
        "Elector Number,Name,Postal Address 1,AV Type",
        'CA-1,"Highson, Voter1",1 High Street,Postal',  # row 2: fine
        "CA-99,Someone Else,1 Nowhere,Postal",  # row 3: not on the register
        "CA-2,Voter2 Smith,1 High Street,Postal",  # row 4: name differs
        f"{other_district}-1,Anybody,1 Street,Postal",  # row 5: not in this election
        "12345,Numbers Only,1 Street,Postal",  # row 6: no district
        "CA-3,Voter3 Highson,1 High Street,Postal",  # row 7
        "CA-3,Voter3 Highson,9 Other Street,Postal",  # row 8: conflicts with row 7
        "CA-4,Voter4 Highson,1 High Street,Carrier pigeon",  # row 9: bad type
        "ZZ-1,Voter Z,1 Street,Postal",  # row 10: no such district
    )
    with pytest.raises(RowsRefused) as refused:
        _import(world.election, organiser, bad)
    by_row = {p.row: p.why for p in refused.value.problems}
    assert sorted(by_row) == [3, 4, 5, 6, 8, 9, 10]
    assert "There is no elector CA-99 on the register" in by_row[3]
    assert "does not match the register: CA-2 is Voter2 Highson" in by_row[4]
    assert "does not vote in General election" in by_row[5]
    assert "has no polling district" in by_row[6]
    assert "Row 7 is also for CA-3" in by_row[8]
    assert "does not say postal or proxy" in by_row[9]
    assert "There is no polling district ZZ" in by_row[10]
    assert refused.value.problems[0].says.startswith("CA-99")
    assert list(AbsentVoter.objects.order_by("pk").values()) == before
    assert AuditEntry.objects.filter(action="pollingday.absent_voters.import").count() == 1


def test_the_latest_list_replaces_the_last_except_ballots_already_back(world, electors, users):
    organiser = users[RoleCode.ORGANISER]
    _import(world.election, organiser, XPRESS_STYLE)
    AbsentVoter.objects.filter(elector=electors["CA"][1]).update(returned_on="2026-11-20")
    newer = _csv(
        "Elector Number,Name,Postal Address 1,AV Type",
        "CA-4,Voter4 Highson,4 High Street,Postal",
    )
    report = _import(world.election, organiser, newer, list_kind="postal")
    # CA-1 is off the list; CA-2's ballot came back so it stays; CB-1's proxy is not covered.
    assert (report["new"], report["removed"], report["kept_returned"]) == (1, 1, ["CA-2"])
    assert "kept because their postal ballot has already come back (CA-2)" in report["summary"]
    listed = set(
        AbsentVoter.objects.values_list("elector__number", "elector__polling_district__code")
    )
    assert listed == {(2, "CA"), (4, "CA"), (1, "CB")}
    assert not Elector.objects.get(pk=electors["CA"][0].pk).is_postal_voter


def test_area_organiser_import_is_limited_to_their_districts(world, electors, users):
    """The area organiser covers Castle ward (CA, CB, CC): a row in RA is refused, in words."""
    area = users[RoleCode.AREA_ORGANISER]
    from pollingday.access import organiser_districts

    districts = organiser_districts(area, world.election)
    rows = _csv(
        "Elector Number,Name,AV Type",
        "CA-1,Voter1 Highson,Postal",
        "RA-1,Voter1 Riverson,Postal",
    )
    with pytest.raises(RowsRefused) as refused:
        _import(world.election, area, rows, districts=districts)
    (problem,) = refused.value.problems
    assert problem.row == 3 and "outside your areas" in problem.why
    assert AbsentVoter.objects.count() == 0


@pytest.mark.parametrize(
    ("given", "one_column", "matches"),
    [
        ("O'Brien", False, True),
        ("OBRIEN", False, True),
        ("o brien", False, True),
        ("Óbrien", False, True),
        ("Brien", False, False),
        ("O'Brien, Mary", True, True),
        ("Mary O'Brien", True, True),
        ("Mr Patrick O Brien", True, True),
        ("O'BRIEN Mary Anne", True, True),
        ("Mary Smith", True, False),
    ],
)
def test_surnames_match_whatever_their_case_accents_apostrophes_and_spaces(
    given, one_column, matches
):
    assert surname_matches(given=given, surname="O'Brien", one_column=one_column) is matches
