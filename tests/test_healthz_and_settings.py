import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "CLP_ENVIRONMENT": "production",
    "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-for-tests-1234567890",
    "DJANGO_ALLOWED_HOSTS": "campaign.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/clp",
    "DJANGO_DEBUG": "false",
    "REDIS_URL": "redis://127.0.0.1:6379/2",
}


def _manage(*args, **env):
    ours = ("CLP_", "DJANGO_", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client, settings):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    expected_broker = "ok" if settings.CELERY_BROKER_URL else "not configured"
    assert body["broker"] == expected_broker


@pytest.mark.django_db
def test_healthz_says_unhealthy_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def test_production_settings_pass_the_deploy_check_with_no_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_warns_when_login_limits_would_be_counted_per_worker():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "REDIS_URL"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "clp.W001" in result.stderr and "REDIS_URL" in result.stderr


def test_production_refuses_demo_mode():
    result = _manage("check", **PRODUCTION_ENV, CLP_DEMO_MODE="true")
    assert result.returncode != 0
    assert "CLP_DEMO_MODE cannot be switched on" in result.stderr


def test_a_bad_setting_value_stops_start_up_with_a_clear_message():
    result = _manage("check", CLP_DEMO_MODE="maybe")
    assert result.returncode != 0
    assert "CLP_DEMO_MODE='maybe' is not a yes/no value" in result.stderr


def test_production_refuses_sqlite_and_a_short_secret():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DATABASE_URL"}
    assert "DATABASE_URL must point at Postgres" in _manage("check", **env).stderr
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "short"}
    assert "at least 50 random characters" in _manage("check", **env).stderr


@pytest.mark.django_db
def test_postgres_connections_do_not_compile_queries_to_machine_code():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("meaningful only on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_time_of_day_defaults_are_callables_so_the_deploy_check_does_not_fail_at_that_time():
    # Django warns (fields.W161) about a fixed time default during the ten seconds around that
    # time each day: `check --deploy --fail-level WARNING` failed at 20:00:00 once.
    from django.apps import apps
    from django.db import models

    fixed = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TimeField)
        and field.has_default()
        and not callable(field.default)
    ]
    assert fixed == []
