"""The permission matrix: every URL of the project × every role → the expected answer.

`project_url_names()` lists every named URL the project serves (allauth's account pages and the
admin's model pages are the libraries' own and are covered by their access rules; the admin's
index stands for the admin). A URL with no row in EXPECTATIONS fails the matrix test, so a new
page cannot ship without someone deciding who may open it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

from clp.models import Job
from clp.roles import RoleCode

ANON = "anonymous"
ROLES = [ANON, *RoleCode.values]

OK = "ok"  # 200, or a redirect that is not to the login page
LOGIN = "login"  # redirected to log in
DENIED = "denied"  # 403
NOT_FOUND = "notfound"  # 404


@dataclass
class Expect:
    answers: dict[str, str]
    method: str = "get"
    # Both get a context {"users": {role: user}, "geography": ...} and may create objects.
    kwargs: Callable[[dict], dict] = field(default=lambda ctx: {})
    data: Callable[[dict], dict] = field(default=lambda ctx: {})
    # Optional: called after each request (e.g. to undo a state change before the next role).
    reset: Callable[[dict], None] | None = None


def everyone_logged_in(answer=OK, anonymous=LOGIN) -> dict[str, str]:
    return {ANON: anonymous, **{role: answer for role in RoleCode.values}}


def only(*roles, others=DENIED, anonymous=LOGIN) -> dict[str, str]:
    return {ANON: anonymous, **{r: (OK if r in roles else others) for r in RoleCode.values}}


INVITERS = (RoleCode.IT_MANAGER, RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)


def _grant(ctx):
    """A volunteer's canvasser role in Castle ward; revoked by one role, put back for the next."""
    from clp.models import RoleGrant, User

    volunteer, _ = User.objects.get_or_create(email="matrix-volunteer@test.example")
    grant, _ = RoleGrant.objects.get_or_create(
        pk=990_101,
        defaults={
            "user": volunteer,
            "role_id": RoleCode.CANVASSER,
            "ward": ctx["geography"]["wards"]["Castle"],
        },
    )
    return grant


def _call_campaign(ctx):
    """A phone bank over the whole CLP, set up by its organiser, with the caller on it."""
    import datetime

    from phonebank.models import CallCampaign, CampaignCaller
    from phonebank.services.campaigns import campaign_create

    organiser = ctx["users"][RoleCode.ORGANISER]
    campaign = CallCampaign.objects.filter(name="Matrix phone bank").first()
    if campaign is None:
        campaign = campaign_create(
            actor=organiser,
            constituency=ctx["geography"]["constituency"],
            values={
                "name": "Matrix phone bank",
                "mode": CallCampaign.Mode.AREA,
                "outcomes": CallCampaign._meta.get_field("outcomes").default(),
                "intentions": CallCampaign._meta.get_field("intentions").default(),
                "weekday_start": datetime.time(9),
                "weekday_end": datetime.time(20),
                "weekend_start": datetime.time(10),
                "weekend_end": datetime.time(18),
                "recent_days": 7,
                "lease_minutes": 15,
                "retry_hours": 4,
                "max_attempts": 3,
                "wards": list(ctx["geography"]["wards"].values()),
            },
        )
    CampaignCaller.objects.get_or_create(campaign=campaign, user=ctx["users"][RoleCode.CALLER])
    return campaign


def _campaign_caller(ctx):
    from phonebank.models import CampaignCaller

    campaign = _call_campaign(ctx)
    caller = CampaignCaller.objects.get(campaign=campaign, user=ctx["users"][RoleCode.CALLER])
    return {"pk": campaign.pk, "caller_pk": caller.pk}


def _caller_back_on(ctx):
    """Paused or removed by one role, calling again for the next."""
    from phonebank.models import CampaignCaller

    CampaignCaller.objects.filter(campaign=_call_campaign(ctx)).update(
        paused_at=None, removed_at=None
    )


ORGANISING = (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)

EXPECTATIONS: dict[str, Expect] = {
    "home": Expect(everyone_logged_in()),
    "healthz": Expect(everyone_logged_in(anonymous=OK)),
    "admin:index": Expect(
        {ANON: LOGIN, **{r: (OK if r == RoleCode.IT_MANAGER else LOGIN) for r in RoleCode.values}}
    ),
    "clp:system_status": Expect(only(RoleCode.IT_MANAGER)),
    "clp:heartbeat_run": Expect(only(RoleCode.IT_MANAGER), method="post"),
    "clp:job_detail": Expect(
        # A job started by the organiser: theirs and the IT manager's to see, nobody else's.
        only(RoleCode.IT_MANAGER, RoleCode.ORGANISER, others=NOT_FOUND),
        kwargs=lambda ctx: {
            "pk": Job.objects.create(kind="test", created_by=ctx["users"][RoleCode.ORGANISER]).pk
        },
    ),
    "clp:job_retry": Expect(
        # A failed job started by the organiser: theirs and the IT manager's to retry.
        only(RoleCode.IT_MANAGER, RoleCode.ORGANISER, others=NOT_FOUND),
        method="post",
        kwargs=lambda ctx: {
            "pk": Job.objects.create(
                kind="heartbeat",
                task_name="clp.tasks.heartbeat",
                status=Job.Status.FAILED,
                created_by=ctx["users"][RoleCode.ORGANISER],
            ).pk
        },
    ),
    "clp:volunteer_list": Expect(only(*INVITERS)),
    "clp:volunteer_invite": Expect(only(*INVITERS), method="post", data=lambda ctx: {}),
    "clp:role_revoke": Expect(
        only(*INVITERS), method="post", kwargs=lambda ctx: {"pk": _grant(ctx).pk}, reset=_grant
    ),
    "clp:role_extend": Expect(
        only(*INVITERS),
        method="post",
        kwargs=lambda ctx: {"pk": _grant(ctx).pk},
        data=lambda ctx: {"expires_on": "2099-01-01"},
    ),
    # The phone bank's live board (phonebank/urls_board.py): its organisers only.
    "phonebank:board": Expect(only(*ORGANISING), kwargs=lambda ctx: {"pk": _call_campaign(ctx).pk}),
    "phonebank:board_live": Expect(
        only(*ORGANISING), kwargs=lambda ctx: {"pk": _call_campaign(ctx).pk}
    ),
    "phonebank:caller_pause": Expect(
        only(*ORGANISING), method="post", kwargs=_campaign_caller, reset=_caller_back_on
    ),
    "phonebank:caller_resume": Expect(
        only(*ORGANISING), method="post", kwargs=_campaign_caller, reset=_caller_back_on
    ),
    "phonebank:caller_remove": Expect(
        only(*ORGANISING), method="post", kwargs=_campaign_caller, reset=_caller_back_on
    ),
}


def _app_expectations() -> dict[str, Expect]:
    """Each app adds rows for its own URLs in `<app>/tests/permissions.py` (EXPECTATIONS)."""
    from django.apps import apps
    from django.utils.module_loading import import_string

    rows = {}
    for config in apps.get_app_configs():
        try:
            rows.update(import_string(f"{config.name}.tests.permissions.EXPECTATIONS"))
        except ImportError:
            continue
    return rows


EXPECTATIONS.update(_app_expectations())


def _walk(patterns, prefix_ns=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            module = getattr(pattern.urlconf_module, "__name__", "")
            if module.startswith("allauth"):
                continue
            ns = pattern.namespace
            if ns == "admin":
                yield "admin:index"
                continue
            yield from _walk(pattern.url_patterns, f"{prefix_ns}{ns}:" if ns else prefix_ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix_ns}{pattern.name}"


def project_url_names() -> set[str]:
    return set(_walk(get_resolver().url_patterns))
