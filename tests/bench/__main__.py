import importlib
import os
import pkgutil
import sys
import tempfile
import time
from urllib.parse import urlparse, urlunparse


def _scratch_database() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        parsed = urlparse(url)
        name = parsed.path.lstrip("/") + "_bench"
        os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{name}"))
        import psycopg

        admin = urlunparse(parsed._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        os.environ["SQLITE_PATH"] = os.path.join(tempfile.mkdtemp(prefix="clp-bench-"), "bench.db")


def main(argv: list[str]) -> int:
    _scratch_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clp.settings")
    os.environ.pop("CELERY_BROKER_URL", None)  # benchmarks time the work, not the queue
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}", flush=True)
    wanted = set(argv)
    package = importlib.import_module("tests.bench")
    failures = 0
    for module_info in pkgutil.iter_modules(package.__path__):
        if wanted and module_info.name not in wanted:
            continue
        module = importlib.import_module(f"tests.bench.{module_info.name}")
        if not hasattr(module, "run"):
            continue
        print(f"\n== {module_info.name}", flush=True)
        started = time.perf_counter()
        try:
            module.run(sys.stdout)
        except Exception as exc:  # report and go on to the next benchmark
            failures += 1
            print(f"{module_info.name} FAILED: {exc!r}", flush=True)
        print(f"({time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
