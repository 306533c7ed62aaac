"""Typed readers for settings taken from the environment.

Each helper fails loudly, naming the variable, when a value cannot be understood: a typo in a
deployment should stop the server at start-up, not surface as odd behaviour weeks later.
"""

import ipaddress
import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name}={value!r} is not a yes/no value; use true or false."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} must be a whole number."
        ) from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of addresses or networks (10.0.0.5, 172.16.0.0/12, ::1)."""
    networks = []
    for item in env_list(name):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"Environment variable {name}: {item!r} is not an IP address or network "
                "(write e.g. 172.16.0.0/12 or 10.0.0.5)."
            ) from None
    return networks


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} must be one of: {', '.join(choices)}."
        )
    return value


def database_from_url(url: str, *, pool_max_size: int) -> dict:
    """Django DATABASES entry for a postgres:// URL (psycopg 3 with Django's pool)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// (got {parsed.scheme or 'nothing'}://). "
            "Leave it unset to use the embedded SQLite database."
        )
    name = unquote(parsed.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL must name a database, e.g. postgres://host/clp.")
    # No JIT compilation: the pages' queries over a real register look dear enough to the
    # planner for it to compile them to machine code first, which took 0.3-0.6 s on queries
    # that then ran in 40 ms (polling day's boards at 120,000 electors). Behind PgBouncer,
    # which does not pass this on, set it on the database: ALTER DATABASE clp SET jit = off.
    options: dict = {"options": "-c jit=off"}
    query = parse_qs(parsed.query)
    if "sslmode" in query:
        options["sslmode"] = query["sslmode"][0]
    if pool_max_size > 0:
        options["pool"] = {"min_size": 1, "max_size": pool_max_size, "timeout": 10}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 0,
        "TEST": {"NAME": f"test_{name}"},
    }
