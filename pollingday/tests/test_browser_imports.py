"""On a 360 px phone, an organiser imports a marked register whose columns are not recognised:
matches the columns, checks, imports; and reads a refusal report. Every page passes axe-core's
serious checks and none scrolls sideways."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from clp.roles import RoleCode
from members.models import VoteRecord
from pollingday.tests.factories import add_electors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "tests" / "vendor" / "axe-core" / "axe.min.js"


def _problems(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a',
              'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, resultTypes: ['violations']});
            return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
              .map(v => v.id + ': ' + v.nodes.slice(0, 2).map(n => n.target.join(' ')));
        }"""
    )
    overflow = page.evaluate("document.documentElement.scrollWidth") - 360
    return found + ([f"scrolls sideways by {overflow}px"] if overflow > 1 else [])


def test_organiser_imports_a_marked_register_on_a_phone(browser, live_server, users, world):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    add_electors(world.districts["CA"], 3)
    client = Client()
    client.force_login(users[RoleCode.ORGANISER])
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    url = f"{live_server.url}/pollingday/{world.election.pk}/marked-register/"
    page.goto(url)
    assert _problems(page) == []

    page.get_by_label("The council's file", exact=True).set_input_files(
        files=[
            {
                "name": "marked-ca.csv",
                "mimeType": "text/csv",
                "buffer": b"Ref;Mark\nCA-1;V\nCA-2;A\n",
            }
        ]
    )
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="Match the columns of marked-ca.csv").wait_for()
    assert _problems(page) == []
    page.get_by_label("Elector number (e.g. AB-123/1").select_option("Ref")
    page.get_by_label("How they voted").select_option("Mark")
    page.get_by_role("button", name="Check the file with these columns").click()
    page.get_by_text("2 electors marked as having voted").wait_for()
    assert _problems(page) == []
    assert VoteRecord.objects.count() == 0
    page.get_by_role("button", name="Import it").click()
    page.get_by_text("Imported marked-ca.csv").wait_for()
    assert VoteRecord.objects.filter(voted=True).count() == 2

    page.get_by_label("The council's file", exact=True).set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": b"ENO\nCA-1\nCA-404\n"}]
    )
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="Rows that do not match the register").wait_for()
    assert "There is no elector CA-404 on the register" in page.content()
    assert _problems(page) == []
    context.close()
