"""Demo data machinery: each app may ship `demo.py` with DEMO_STEPS; seed_demo runs them in order.

Steps must be idempotent: running seed_demo twice changes nothing.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

DEMO_EMAIL_DOMAIN = "demo.example"
DEMO_ROLES = ["itmanager", "organiser", "areaorganiser", "canvasser", "caller", "teller", "member"]
LOGINS_FILE = settings.BASE_DIR / "demo-logins.txt"


@dataclass(frozen=True)
class DemoStep:
    order: int
    name: str
    run: Callable[["DemoContext"], None]


@dataclass
class DemoContext:
    stdout: object
    password: str | None = None
    shared: dict = field(default_factory=dict)
    new_logins: dict = field(default_factory=dict)

    def password_for(self, email: str) -> str:
        password = self.password or secrets.token_urlsafe(12)
        self.new_logins[email] = password
        return password

    def say(self, message: str) -> None:
        self.stdout.write(message)


def demo_email(role: str) -> str:
    return f"{role}@{DEMO_EMAIL_DOMAIN}"


def _seed_users(ctx: DemoContext) -> None:
    from allauth.account.models import EmailAddress
    from django.db import transaction

    from clp.models import RoleGrant, User
    from clp.services import role_grant
    from members.models import PollingDistrict

    constituency = ctx.shared["constituency"]
    wards = ctx.shared["wards"]
    castle = wards["Castle"]
    areas = {
        "itmanager": constituency,
        "organiser": constituency,
        "areaorganiser": castle,
        "canvasser": castle,
        "caller": constituency,
        "teller": PollingDistrict.objects.get(constituency=constituency, code="CA"),
        "member": constituency,
    }
    names = {
        "itmanager": "Priya Shah",
        "organiser": "Dan Okafor",
        "areaorganiser": "Ellen Moss",
        "canvasser": "Sam Carter",
        "caller": "Aisha Begum",
        "teller": "Tom Walsh",
        "member": "Rhian Evans",
    }
    for role in DEMO_ROLES:
        email = demo_email(role)
        if User.objects.filter(email=email).exists():
            continue
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                password=ctx.password_for(email),
                full_name=names[role],
                is_staff=role == "itmanager",
                is_superuser=role == "itmanager",
            )
            # Demo logins are published; their addresses count as proved so that they log in.
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
            if not RoleGrant.objects.filter(user=user, role_id=role).exists():
                role_grant(actor=None, user=user, role=role, area=areas[role])


DEMO_STEPS = [DemoStep(20, "demo users", _seed_users)]
