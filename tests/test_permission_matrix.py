import pytest
from django.urls import reverse

from tests.permission_matrix import (
    ANON,
    DENIED,
    EXPECTATIONS,
    LOGIN,
    NOT_FOUND,
    OK,
    ROLES,
    project_url_names,
)


def test_every_project_url_has_an_expectation_for_every_role():
    missing = project_url_names() - set(EXPECTATIONS)
    assert not missing, f"URLs with no permission expectation: {sorted(missing)}"
    stale = set(EXPECTATIONS) - project_url_names()
    assert not stale, f"Expectations for URLs that no longer exist: {sorted(stale)}"
    for name, expect in EXPECTATIONS.items():
        assert set(expect.answers) == set(ROLES), f"{name} does not say what each role gets"


def _classify(response) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if "/accounts/login/" in location or "/admin/login/" in location:
            return LOGIN
        return OK
    if response.status_code == 403:
        return DENIED
    if response.status_code == 404:
        return NOT_FOUND
    # 400: the form answered, access was granted; 204: a beacon (the phone bank's "dialled")
    if response.status_code in (200, 204, 400):
        return OK
    return f"unexpected {response.status_code}"


@pytest.mark.django_db
def test_permission_matrix(client, users, geography):
    ctx = {"users": users, "geography": geography}
    failures = []
    for name, expect in sorted(EXPECTATIONS.items()):
        url = reverse(name, kwargs=expect.kwargs(ctx))
        for role in ROLES:
            client.logout()
            if role != ANON:
                client.force_login(users[role])
            response = getattr(client, expect.method)(url, expect.data(ctx))
            got = _classify(response)
            if expect.reset:
                expect.reset(ctx)
            if got != expect.answers[role]:
                failures.append(f"{name} as {role}: expected {expect.answers[role]}, got {got}")
    assert not failures, "\n".join(failures)
