"""axe-core over every page of the permission matrix, for each role, on a phone and a laptop.

Also: no page scrolls sideways on a 360 px phone (wide tables scroll inside their own region).

A serious or critical violation (WCAG 2.2 A/AA rules) on any page fails the test. axe-core is
vendored from the npm registry in tests/vendor/axe-core (MPL-2.0); it is injected into each page
by the test, so the site's CSP is bypassed for the test's script only.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from clp.roles import RoleCode
from tests.permission_matrix import EXPECTATIONS, OK

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"phone": (360, 740), "laptop": (1280, 800)}
SERIOUS = ("serious", "critical")
# Admin pages the IT manager works in, beyond the index.
ADMIN_PAGES = [
    "admin:clp_user_changelist",
    "admin:clp_user_add",
    "admin:clp_auditentry_changelist",
    "admin:clp_job_changelist",
    "admin:members_pollingdistrict_changelist",
    "admin:members_pollingdistrict_add",
    "admin:members_importbatch_changelist",
    "admin:members_segment_changelist",
]


def _pages_for(role, ctx) -> list[str]:
    urls = []
    for name, expect in sorted(EXPECTATIONS.items()):
        if expect.method != "get" or expect.answers.get(role) != OK:
            continue
        urls.append(reverse(name, kwargs=expect.kwargs(ctx)))
    if role == RoleCode.IT_MANAGER:
        urls.extend(reverse(name) for name in ADMIN_PAGES)
        urls.append(reverse("admin:clp_user_change", args=[ctx["users"][role].pk]))
    return urls


def _violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
              runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                               'wcag22aa', 'best-practice']},
              resultTypes: ['violations'],
            });
            return r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in SERIOUS]


@pytest.mark.parametrize("role", [r for r in RoleCode.values])
def test_no_serious_accessibility_violations_on_any_page(
    role, browser, live_server, users, geography
):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ctx = {"users": users, "geography": geography}
    pages = _pages_for(role, ctx)
    client = Client()
    client.force_login(users[role])
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    failures = []
    for label, (width, height) in WIDTHS.items():
        context = browser.new_context(
            viewport={"width": width, "height": height},
            is_mobile=label == "phone",
            has_touch=label == "phone",
            bypass_csp=True,
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session_cookie,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        for url in pages:
            try:
                response = page.goto(f"{live_server.url}{url}")
            except PlaywrightError as error:  # a download (CSV, PDF) is not a page
                if "Download is starting" in str(error):
                    continue
                raise
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            overflow = page.evaluate("document.documentElement.scrollWidth") - width
            if overflow > 1:
                failures.append(f"{url} at {width}px: the page scrolls sideways by {overflow}px")
            for violation in _violations(page):
                failures.append(
                    f"{url} at {width}px: {violation['id']} ({violation['impact']}): "
                    f"{violation['help']} — {violation['nodes']}"
                )
        context.close()
    assert pages, f"no pages found for {role}"
    assert not failures, f"{len(failures)} serious accessibility problems:\n" + "\n".join(failures)
