"""Fixtures shared by every app's tests: geography, one user per role, a logged-in client."""

import os
import shutil

import factory.random
import pytest
from django.core.cache import cache

from clp.roles import MFA_ROLES, RoleCode


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    is_postgres = connection.vendor == "postgresql"
    has_broker = bool(os.environ.get("CELERY_BROKER_URL"))
    chromium = shutil.which("chromium") or os.path.exists("/usr/bin/chromium")
    require_browser = os.environ.get("CLP_REQUIRE_BROWSER") == "1"
    for item in items:
        if "postgres_only" in item.keywords and not is_postgres:
            item.add_marker(pytest.mark.skip(reason="meaningful only on PostgreSQL"))
        if "celery_worker" in item.keywords and not (has_broker and is_postgres):
            item.add_marker(
                pytest.mark.skip(
                    reason="needs CELERY_BROKER_URL (Redis) and Postgres shared with a worker"
                )
            )
        if "browser" in item.keywords and not chromium and not require_browser:
            item.add_marker(pytest.mark.skip(reason="Debian's chromium is not installed"))


@pytest.fixture(autouse=True)
def _fresh_cache_and_eager_tasks(settings):
    # Rate-limit counters live in the cache; each test starts with none.
    cache.clear()
    # Factories draw the same fake names in every run, whatever order tests run in.
    factory.random.reseed_random("clp-tests")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run in-process unless a test asks for the real worker (see tests/test_celery_worker).
    from clp.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture(scope="session", autouse=True)
def _flush_between_transactional_tests_may_empty_the_audit_log():
    """Transactional tests empty every table with TRUNCATE (see tests/flush.py)."""
    from tests.flush import audit_log_flushable

    with audit_log_flushable():
        yield


def ensure_roles():
    """Transactional tests flush tables, data-migration rows included: put the roles back."""
    import importlib

    from django.apps import apps

    importlib.import_module("clp.migrations.0002_create_roles").create_roles(apps, None)


@pytest.fixture
def geography(db):
    """The demo constituency's geography, built by the same step seed_demo uses."""
    from clp.demo import DemoContext
    from members.demo import seed_geography

    ensure_roles()
    ctx = DemoContext(stdout=open(os.devnull, "w"))  # noqa: SIM115
    seed_geography(ctx)
    return ctx.shared


def make_user(role: str, area, *, email=None, password="correct horse battery", mfa=None):
    """A user with a proved login address, the role over `area` and, for MFA roles, TOTP."""
    from allauth.account.models import EmailAddress

    from clp.models import User
    from clp.services import role_grant

    user = User.objects.create_user(
        email=email or f"{role}@test.example",
        password=password,
        full_name=f"Test {role}",
        is_staff=role == RoleCode.IT_MANAGER,
        is_superuser=role == RoleCode.IT_MANAGER,
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    role_grant(actor=None, user=user, role=role, area=area)
    if mfa if mfa is not None else role in MFA_ROLES:
        activate_totp(user)
    return user


def activate_totp(user):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    return TOTP.activate(user, generate_totp_secret())


@pytest.fixture
def users(geography):
    """One user per role, each over the area the demo gives that role. MFA roles have TOTP."""
    from members.models import PollingDistrict

    constituency = geography["constituency"]
    castle = geography["wards"]["Castle"]
    areas = {
        RoleCode.IT_MANAGER: constituency,
        RoleCode.ORGANISER: constituency,
        RoleCode.AREA_ORGANISER: castle,
        RoleCode.CANVASSER: castle,
        RoleCode.CALLER: constituency,
        RoleCode.TELLER: PollingDistrict.objects.get(code="CA"),
        RoleCode.MEMBER: constituency,
    }
    return {role: make_user(role, area) for role, area in areas.items()}


@pytest.fixture
def client_for(client, users):
    def login(role):
        client.force_login(users[role])
        return client

    return login


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (its own browser download is not used)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls tests make
    # between browser steps are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=CHROMIUM_ARGS,
        )
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    """A 360 px wide touch phone."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    yield context
    context.close()


def browser_login(
    page, base_url: str, email: str, password: str = "correct horse battery", *, totp_user=None
):
    """Log in through allauth's pages; with `totp_user`, answer the code its authenticator
    app would show."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    if totp_user is not None:
        from tests.totp import current_code

        page.get_by_label("Code").fill(current_code(totp_user))
        page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
