import io
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from canvassing.models import CanvassResult
from clp.models import AuditEntry
from clp.roles import RoleCode

pytestmark = pytest.mark.django_db


def _electors(walk_list):
    return [e.elector for e in walk_list.entries.select_related("elector").order_by("position")]


def test_walk_sheet_pdf_lists_the_electors_in_walk_order_with_the_join_code(
    client, users, make_walk_list
):
    walk_list = make_walk_list(doors=4, per_door=2, name="Pdf Lane")
    client.force_login(users[RoleCode.AREA_ORGANISER])
    response = client.get(reverse("canvassing:walk_sheet_pdf", args=[walk_list.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert walk_list.join_code in text
    names = [f"{e.forenames} {e.surname}" for e in _electors(walk_list)]
    for name in names:
        assert name in text
    addresses = [text.index(f"{n} Pdf Lane") for n in (1, 3, 4, 2)]
    assert addresses == sorted(addresses)
    assert AuditEntry.objects.filter(action="read:canvassing.walk_sheet_pdf").exists()


def _enter(client, walk_list, lines, batch=None, **fields):
    follow = fields.pop("follow", False)
    data = {
        "batch": str(batch or uuid.uuid4()),
        "on": "2027-04-10",
        "canvassed_by": walk_list.checked_out_to_id,
        "lines": lines,
    }
    data.update(fields)
    return client.post(reverse("canvassing:paper_entry", args=[walk_list.pk]), data, follow=follow)


def test_paper_results_are_typed_in_by_elector_number(client, users, make_walk_list):
    walk_list = make_walk_list(doors=2, per_door=2)
    a, b, c, _ = _electors(walk_list)
    client.force_login(users[RoleCode.ORGANISER])
    batch = uuid.uuid4()
    lines = f"{a.number} S LAB 4 PV\n{b.number} ni\n\nCA-{c.number} con 2"
    response = _enter(client, walk_list, lines, batch)
    assert response.status_code == 302
    results = {r.elector_id: r for r in CanvassResult.objects.all()}
    assert (results[a.pk].outcome, results[a.pk].intention, results[a.pk].strength) == (
        "S",
        "LAB",
        4,
    )
    assert results[a.pk].wants_postal_vote and results[a.pk].source == "paper"
    assert results[b.pk].outcome == "NI"
    assert (results[c.pk].outcome, results[c.pk].intention) == ("S", "CON")
    assert str(results[a.pk].recorded_at.date()) == "2027-04-10"
    # Pressing submit again on the same form stores nothing more.
    _enter(client, walk_list, lines, batch)
    assert CanvassResult.objects.count() == 3


def test_paper_entry_with_a_bad_line_saves_nothing_and_says_which_line(
    client, users, make_walk_list
):
    walk_list = make_walk_list(doors=1, per_door=2)
    a, _ = _electors(walk_list)
    client.force_login(users[RoleCode.ORGANISER])
    response = _enter(client, walk_list, f"{a.number} S LAB\n99999 NI\n{a.number} S XYZ")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2: elector 99999 is not on this walk list." in page
    assert "Line 3: &#x27;XYZ&#x27; is not a code on the sheet." in page
    assert CanvassResult.objects.count() == 0


def test_paper_entry_date_defaults_to_today(client, users, make_walk_list):
    walk_list = make_walk_list(doors=1)
    client.force_login(users[RoleCode.ORGANISER])
    page = client.get(reverse("canvassing:paper_entry", args=[walk_list.pk])).content.decode()
    today = timezone.localdate().isoformat()
    assert f'type="date" name="on" value="{today}"' in page


def test_paper_results_count_as_the_canvassers_and_record_who_typed_them(
    client, users, make_walk_list
):
    walk_list = make_walk_list(doors=1, per_door=1)
    (a,) = _electors(walk_list)
    canvasser = users[RoleCode.CANVASSER]
    client.force_login(users[RoleCode.ORGANISER])
    page = client.get(reverse("canvassing:paper_entry", args=[walk_list.pk])).content.decode()
    assert "Canvassed by" in page and canvasser.full_name in page
    response = _enter(client, walk_list, f"{a.number} S LAB", canvassed_by=canvasser.pk)
    assert response.status_code == 302
    result = CanvassResult.objects.get()
    assert result.recorded_by == canvasser
    assert result.entered_by == users[RoleCode.ORGANISER]


def test_paper_entry_shows_every_error_at_once(client, users, make_walk_list):
    walk_list = make_walk_list(doors=1, per_door=2)
    a, _ = _electors(walk_list)
    client.force_login(users[RoleCode.ORGANISER])
    response = _enter(client, walk_list, f"{a.number} S XYZ QQ\n99999 NI", on="", canvassed_by="")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Date canvassed" in page and page.count("This field is required.") == 2
    assert "Line 1: &#x27;XYZ&#x27; is not a code on the sheet." in page
    assert "Line 1: &#x27;QQ&#x27; is not a code on the sheet." in page
    assert "Line 2: elector 99999 is not on this walk list." in page
    assert CanvassResult.objects.count() == 0


def test_a_resubmitted_paper_sheet_says_it_was_already_saved(client, users, make_walk_list):
    walk_list = make_walk_list(doors=1, per_door=2)
    a, b = _electors(walk_list)
    client.force_login(users[RoleCode.ORGANISER])
    batch = uuid.uuid4()
    lines = f"{a.number} S LAB\n{b.number} NI"
    first = _enter(client, walk_list, lines, batch, follow=True).content.decode()
    assert "2 result(s) saved from the paper sheet." in first
    again = _enter(client, walk_list, lines, batch, follow=True).content.decode()
    assert "This sheet was already saved. Nothing has been saved twice." in again
    assert CanvassResult.objects.count() == 2


def _sheet_pages(client, walk_list) -> list[str]:
    response = client.get(reverse("canvassing:walk_sheet_pdf", args=[walk_list.pk]))
    assert response.status_code == 200
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def test_a_household_header_never_sits_alone_at_the_foot_of_a_page(client, users, make_walk_list):
    """Each household is printed whole on one page: its header with all its electors."""
    walk_list = make_walk_list(doors=70, per_door=3, name="Long Road")
    client.force_login(users[RoleCode.ORGANISER])
    pages = _sheet_pages(client, walk_list)
    assert len(pages) >= 3
    entries = walk_list.entries.select_related("elector__property").order_by("position")
    for entry in entries:
        elector = entry.elector
        header = f"{elector.property.house_number} Long Road "
        name = f"{elector.number} {elector.forenames} {elector.surname}"
        (page,) = [n for n, text in enumerate(pages) if f"\n{header}" in f"\n{text}"]
        assert name in pages[page], f"{name} is not on the page of its household {header}"


def test_walk_sheet_has_the_campaigns_questions_and_columns_for_postal_vote_volunteer_poster(
    client, users, make_walk_list, campaign
):
    from canvassing.services.campaigns import question_add

    question_add(
        actor=users[RoleCode.ORGANISER],
        campaign=campaign,
        text="Do you back the new bus lane?",
        kind="single",
        choices=["Yes", "No"],
    )
    walk_list = make_walk_list(doors=2, per_door=1, name="Sheet Way")
    postal = _electors(walk_list)[0]
    postal.is_postal_voter = True
    postal.save(update_fields=["is_postal_voter"])
    client.force_login(users[RoleCode.ORGANISER])
    text = "\n".join(_sheet_pages(client, walk_list))
    flat = " ".join(text.split())
    assert "Q1 Do you back the new bus lane? (1 Yes, 2 No)" in flat
    for column in ("Wants postal vote", "Volunteer", "Poster / board"):
        assert column in flat
    # The register's postal voters are named in words; "PV" means only "wants a postal vote".
    row = next(line for line in text.splitlines() if postal.surname in line)
    assert "Postal voter" in row
    assert "PV" not in row
