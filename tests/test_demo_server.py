"""The demo as `make run` serves it (bin/serve): the product's own error pages, compressed files."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_DEBUG", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        CLP_DEMO_MODE="true", SQLITE_PATH=str(tmp_path_factory.mktemp("demo") / "demo.sqlite3")
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    port = _free_port()
    server = subprocess.Popen(
        ["bin/serve", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310 - our own server
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    yield base
    os.killpg(server.pid, 15)
    server.wait(timeout=15)


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_demo_shows_the_products_own_404_page_not_djangos_debug_page(demo_server):
    status, _, body = _get(f"{demo_server}/no-such-page/")
    assert status == 404
    assert b"We couldn't find that page" in body
    assert b"URLconf" not in body and b"DEBUG = True" not in body


def test_demo_serves_static_files_compressed(demo_server):
    status, headers, _ = _get(f"{demo_server}/static/css/app.css", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("Content-Encoding") in ("gzip", "br")
