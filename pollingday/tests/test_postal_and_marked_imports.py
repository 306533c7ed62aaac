"""Postal-vote returns during the campaign and the marked register after the day."""

import datetime

import pytest

from clp.models import AuditEntry
from clp.roles import RoleCode
from members.models import AbsentVoter, VoteMethod, VoteRecord
from pollingday.services.imports import (
    RowsRefused,
    absent_voters_import,
    marked_register_import,
    postal_returns_import,
)
from pollingday.tests.factories import add_electors

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 30)


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def listed(world, users):
    """CA-1..6 on the register; CA-1..3 postal voters, CA-4 a proxy voter; CB-1..2 too."""
    ca = add_electors(world.districts["CA"], 6)
    cb = add_electors(world.districts["CB"], 2, street_name="Mill Lane")
    absent_voters_import(
        actor=users[RoleCode.ORGANISER],
        election=world.election,
        data=_csv(
            "Elector Number,Surname,Type,Proxy Name",
            "CA-1,Highson,postal,",
            "CA-2,Highson,postal,",
            "CA-3,Highson,postal,",
            "CA-4,Highson,proxy,Pat Proxy",
            "CB-1,Millson,postal,",
        ),
        filename="av.csv",
    )
    return {"CA": ca, "CB": cb}


def _returns(world, users, data, **kwargs):
    kwargs.setdefault("received_on", DAY)
    return postal_returns_import(
        actor=users[RoleCode.ORGANISER],
        election=world.election,
        data=data,
        filename="returns.csv",
        **kwargs,
    )


def _returned():
    return dict(
        AbsentVoter.objects.filter(returned_on__isnull=False).values_list(
            "elector__number", "returned_on"
        )
    )


def test_postal_returns_set_the_day_each_ballot_came_back(world, users, listed):
    report = _returns(
        world,
        users,
        _csv("PD,Elector No,Date Received", "CA,1,27/11/26", "CA,2,"),
        dry_run=True,
    )
    assert report["newly_returned"] == 2 and _returned() == {}
    report = _returns(world, users, _csv("PD,Elector No,Date Received", "CA,1,27/11/26", "CA,2,"))
    assert _returned() == {1: datetime.date(2026, 11, 27), 2: DAY}
    assert "That makes 2 of 4 postal voters returned" in report["summary"]
    assert AuditEntry.objects.filter(action="pollingday.postal_returns.import").count() == 1

    # The same file again changes nothing; a later date never moves an earlier one later,
    # an earlier one moves it earlier.
    again = _returns(world, users, _csv("PD,Elector No,Date Received", "CA,1,27/11/26", "CA,2,"))
    assert (again["newly_returned"], again["already_recorded"]) == (0, 2)
    later = _returns(
        world, users, _csv("Elector Number,Received", "CA-1,29/11/2026", "CA-2,2026-11-25")
    )
    assert (later["earlier_date_kept"], later["moved_earlier"]) == (1, 1)
    assert _returned() == {1: datetime.date(2026, 11, 27), 2: datetime.date(2026, 11, 25)}


def test_a_return_for_someone_not_a_postal_voter_refuses_the_file(world, users, listed):
    data = _csv(
        "Elector Number,Name",
        "CA-3,Voter3 Highson",  # fine
        "CA-4,Voter4 Highson",  # a proxy voter
        "CA-5,Voter5 Highson",  # not on the absent voters list
        "CA-1,Voter1 Jones",  # the name differs
    )
    with pytest.raises(RowsRefused) as refused:
        _returns(world, users, data)
    by_row = {p.row: p.why for p in refused.value.problems}
    assert sorted(by_row) == [3, 4, 5]
    assert "votes by proxy" in by_row[3]
    assert "not on the absent voters list" in by_row[4]
    assert "does not match the register" in by_row[5]
    assert _returned() == {}


def _marked(world, users, data, **kwargs):
    return marked_register_import(
        actor=users[RoleCode.ORGANISER],
        election=world.election,
        data=data,
        filename="marked.csv",
        **kwargs,
    )


def _history():
    return {
        (r.elector.polling_district.code, r.elector.number): (r.method, r.voted)
        for r in VoteRecord.objects.select_related("elector__polling_district")
    }


def test_marked_register_writes_vote_history_and_postal_voters_who_did_not_return(
    world, users, listed
):
    data = _csv(
        "Elector Number Prefix,Elector Number,Elector Number Suffix,Marker",
        "CA,1,,A",  # postal, by the council's marker
        "CA,4,,",  # a proxy voter: how, from the absent voters list
        "CA,5,,",  # in person
        "CA,6,,X",  # in person, marked with an X
    )
    preview = _marked(world, users, data, dry_run=True)
    assert VoteRecord.objects.count() == 0
    assert (preview["voted"], preview["postal_not_returned"]) == (4, 2)
    report = _marked(world, users, data)
    assert _history() == {
        ("CA", 1): (VoteMethod.POSTAL, True),
        ("CA", 4): (VoteMethod.PROXY, True),
        ("CA", 5): (VoteMethod.IN_PERSON, True),
        ("CA", 6): (VoteMethod.IN_PERSON, True),
        # Postal voters in CA who are not marked: they did not return their ballot. CB-1 is
        # not judged: this file holds no CB marks (councils send a file a district).
        ("CA", 2): (VoteMethod.POSTAL, False),
        ("CA", 3): (VoteMethod.POSTAL, False),
    }
    assert report["new_records"] == 6
    record = VoteRecord.objects.get(elector=listed["CA"][4])
    assert record.person_id == listed["CA"][4].person_id
    assert record.polling_district == world.districts["CA"]

    again = _marked(world, users, data)
    assert (again["new_records"], again["changed_records"], again["unchanged_records"]) == (
        0,
        0,
        6,
    )
    assert VoteRecord.objects.count() == 6

    # CB's file later: CB-1 (postal) not marked, CB-2 voted.
    _marked(world, users, _csv("ENO,Voted", "CB-1,N", "CB-2,Y"))
    assert _history()[("CB", 1)] == (VoteMethod.POSTAL, False)
    assert _history()[("CB", 2)] == (VoteMethod.IN_PERSON, True)


def test_a_marked_register_with_a_bad_row_writes_nothing(world, users, listed):
    data = _csv(
        "Elector Number,How voted",
        "CA-1,postal",
        "CA-77,in person",
        "CA-5,by carrier pigeon",
        "CA-5,postal",
    )
    with pytest.raises(RowsRefused) as refused:
        _marked(world, users, data)
    by_row = {p.row: p.why for p in refused.value.problems}
    assert sorted(by_row) == [3, 4]
    assert "There is no elector CA-77" in by_row[3]
    assert "does not say how they voted" in by_row[4]
    assert VoteRecord.objects.count() == 0
    assert not AuditEntry.objects.filter(action="pollingday.marked_register.import").exists()


def test_a_marked_register_as_a_spreadsheet_or_utf16_text_reads_the_same(world, users, listed):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["PD", "ENO", "Suffix", "Method"])
    sheet.append(["CA", 5, None, "In person"])
    sheet.append(["CA", 1.0, None, "PV"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = _marked(world, users, buffer.getvalue())
    assert (report["in_person"], report["postal"]) == (1, 1)

    utf16 = "Elector Number\tMethod\r\nCA-6\tX\r\n".encode("utf-16-le")
    report = _marked(world, users, utf16)
    assert report["in_person"] == 1
    assert _history()[("CA", 6)] == (VoteMethod.IN_PERSON, True)
    # A second file for CA adds its marks and unmarks nobody the first one marked.
    assert _history()[("CA", 1)] == (VoteMethod.POSTAL, True)
    assert _history()[("CA", 2)] == (VoteMethod.POSTAL, False)
