import datetime
import gzip

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from canvassing.tests.factories import ResultFactory
from clp.roles import RoleCode
from members.models import ContactEmail, ContactPhone, Membership

pytestmark = pytest.mark.django_db


def _doorstep(client, walk_list):
    return client.get(reverse("canvassing:doorstep", args=[walk_list.pk]))


def test_doorstep_shows_households_in_walk_order_with_what_a_canvasser_needs(
    client, users, make_walk_list
):
    walk_list = make_walk_list(doors=3, per_door=2, name="Elm Road")
    entries = list(walk_list.entries.select_related("elector__person").order_by("position"))
    first = entries[0].elector
    first.date_of_birth = datetime.date(1990, 1, 1)
    first.is_postal_voter = True
    first.save()
    Membership.objects.create(person=first.person, number="L123")
    ContactPhone.objects.create(person=first.person, number="+447700900123")
    ContactEmail.objects.create(person=first.person, address="secret@example.com")
    ResultFactory(
        campaign=walk_list.campaign, elector=first, outcome="S", intention="GRN", strength=3
    )
    client.force_login(users[RoleCode.CANVASSER])
    page = _doorstep(client, walk_list).content.decode()
    positions = [page.index(f"{n} Elm Road") for n in (1, 3, 2)]  # odd side up, even back
    assert positions == sorted(positions)
    assert escape(str(first)) in page  # names like O'Connor are HTML-escaped
    assert "25–34" in page or "35–49" in page
    assert "was Green" in page and "Postal" in page and "Member" in page
    # No contact details on the doorstep.
    assert "+447700900123" not in page and "secret@example.com" not in page
    assert page.count("Nobody in") == 3


def test_pending_results_do_not_show_as_previous_intention(client, users, make_walk_list):
    walk_list = make_walk_list(doors=1, per_door=1)
    elector = walk_list.entries.get().elector
    ResultFactory(
        campaign=walk_list.campaign, elector=elector, intention="REF", review_status="pending"
    )
    client.force_login(users[RoleCode.CANVASSER])
    assert "was Reform UK" not in _doorstep(client, walk_list).content.decode()


def _queries_for(client, walk_list):
    with CaptureQueriesContext(connection) as queries:
        assert _doorstep(client, walk_list).status_code == 200
    return len(queries)


def test_doorstep_query_count_does_not_grow_with_the_list(client, users, make_walk_list):
    small = make_walk_list(doors=5, per_door=2, name="Small Street")
    big = make_walk_list(doors=50, per_door=2, name="Big Street", holder=None)
    from canvassing.services.walk_lists import walk_list_checkout

    walk_list_checkout(
        actor=users[RoleCode.ORGANISER], walk_list=big, holder=users[RoleCode.CANVASSER]
    )
    for walk_list in (small, big):
        for entry in walk_list.entries.select_related("elector")[:3]:
            ResultFactory(campaign=walk_list.campaign, elector=entry.elector, walk_list=walk_list)
    client.force_login(users[RoleCode.CANVASSER])
    _doorstep(client, small)  # warm the session
    assert big.entries.count() == 100 and small.entries.count() == 10
    counts = (_queries_for(client, small), _queries_for(client, big))
    print("doorstep queries, 10 vs 100 electors:", counts)
    assert counts[0] == counts[1] <= 10


def page_weight(client, walk_list) -> dict:
    """Bytes a phone downloads for the doorstep page: the HTML and its CSS and JS."""
    html = _doorstep(client, walk_list).content
    files = [
        finders.find(path)
        for path in ("css/app.css", "canvassing/doorstep.css", "canvassing/doorstep.js")
    ]
    parts = [html, *(open(f, "rb").read() for f in files)]  # noqa: SIM115
    return {
        "html_raw": len(html),
        "html_gzip": len(gzip.compress(html)),
        "total_raw": sum(len(p) for p in parts),
        "total_gzip": sum(len(gzip.compress(p)) for p in parts),
    }


def test_doorstep_page_for_100_electors_is_under_60_kb(client, users, make_walk_list, capsys):
    walk_list = make_walk_list(doors=50, per_door=2, name="Coronation Street")
    for entry in walk_list.entries.select_related("elector")[:40]:
        ResultFactory(
            campaign=walk_list.campaign,
            elector=entry.elector,
            intention="LAB",
            recorded_at=timezone.now() - datetime.timedelta(days=3),
        )
    client.force_login(users[RoleCode.CANVASSER])
    weight = page_weight(client, walk_list)
    with capsys.disabled():
        print(f"\ndoorstep page weight, 100 electors: {weight}")
    assert weight["total_raw"] <= 60 * 1024
    assert weight["total_gzip"] <= 20 * 1024


def test_offline_worker_is_served_with_scope_over_home_and_the_doorstep_pages(client):
    response = client.get(reverse("canvassing:service_worker"))
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/"
    assert b'addEventListener("fetch"' in response.content


def test_doorstep_page_keeps_to_the_content_security_policy(client, users, make_walk_list):
    import re

    walk_list = make_walk_list(doors=1)
    client.force_login(users[RoleCode.CANVASSER])
    response = _doorstep(client, walk_list)
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []  # no inline script
    assert " style=" not in html and " on" + "click=" not in html
    assert response["Cache-Control"] == "private, no-store"


def test_register_markers_are_shown_in_words_on_the_doorstep(client, users, make_walk_list):
    walk_list = make_walk_list(doors=1, per_door=2)
    first, second = (e.elector for e in walk_list.entries.select_related("elector"))
    first.markers = "F"
    first.save(update_fields=["markers"])
    second.markers = "EA"
    second.is_postal_voter = True
    second.save(update_fields=["markers", "is_postal_voter"])
    client.force_login(users[RoleCode.CANVASSER])
    page = _doorstep(client, walk_list).content.decode()
    assert "Overseas elector" in page and "EU citizen" in page and "Postal" in page
    assert " · F<" not in page and " · F " not in page and " · EA" not in page
