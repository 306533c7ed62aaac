"""Permission-matrix rows for phone banking's URLs (see tests/permission_matrix.py)."""

from clp.roles import RoleCode
from tests.permission_matrix import NOT_FOUND, Expect, everyone_logged_in, only

ORGANISERS = (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)
CALLER = RoleCode.CALLER


def _campaign(ctx):
    """A phone bank that is calling, CLP-wide (the test caller's role covers it)."""
    from phonebank.models import CallCampaign

    campaign, _ = CallCampaign.objects.get_or_create(
        constituency=ctx["geography"]["constituency"],
        name="Matrix phone bank",
        defaults={"status": CallCampaign.Status.ACTIVE},
    )
    return campaign


def _step(ctx):
    from phonebank.models import ScriptStep

    step, _ = ScriptStep.objects.get_or_create(
        pk=ctx.setdefault("step_pk", 990_201),
        defaults={"campaign": _campaign(ctx), "position": 1, "text": "Hello"},
    )
    return step


def _campaign_caller(ctx):
    from phonebank.models import CampaignCaller

    campaign = _campaign(ctx)
    caller, _ = CampaignCaller.objects.get_or_create(
        campaign=campaign, user=ctx["users"][RoleCode.CALLER]
    )
    return {"pk": campaign.pk, "caller_pk": caller.pk}


def _caller_back_on(ctx):
    """Paused or removed by one role, calling again for the next."""
    from phonebank.models import CampaignCaller

    CampaignCaller.objects.filter(campaign=_campaign(ctx)).update(paused_at=None, removed_at=None)


def _pk(make):
    return lambda ctx: {"pk": make(ctx).pk}


def _callers_only():
    return only(CALLER, others=NOT_FOUND)


EXPECTATIONS = {
    # Callers
    "phonebank:my_phone_banks": Expect(everyone_logged_in()),
    "phonebank:join": Expect(
        everyone_logged_in(), method="post", data=lambda ctx: {"code": "NONE2345"}
    ),
    "phonebank:join_code": Expect(everyone_logged_in(), kwargs=lambda ctx: {"code": "NONE2345"}),
    "phonebank:call": Expect(_callers_only(), kwargs=_pk(_campaign)),
    "phonebank:next_contact": Expect(_callers_only(), method="post", kwargs=_pk(_campaign)),
    "phonebank:record": Expect(_callers_only(), method="post", kwargs=_pk(_campaign)),
    "phonebank:release": Expect(_callers_only(), method="post", kwargs=_pk(_campaign)),
    "phonebank:dialled": Expect(_callers_only(), method="post", kwargs=_pk(_campaign)),
    "phonebank:bridge": Expect(_callers_only(), method="post", kwargs=_pk(_campaign)),
    "phonebank:totals": Expect(_callers_only(), method="post", kwargs=_pk(_campaign)),
    # Organisers
    "phonebank:campaign_list": Expect(only(*ORGANISERS)),
    "phonebank:campaign_create": Expect(only(*ORGANISERS)),
    "phonebank:campaign_detail": Expect(only(*ORGANISERS), kwargs=_pk(_campaign)),
    "phonebank:campaign_edit": Expect(only(*ORGANISERS), kwargs=_pk(_campaign)),
    "phonebank:queue_build": Expect(only(*ORGANISERS), method="post", kwargs=_pk(_campaign)),
    "phonebank:campaign_status": Expect(
        only(*ORGANISERS), method="post", kwargs=_pk(_campaign), data=lambda ctx: {"status": "x"}
    ),
    "phonebank:join_code_issue": Expect(
        only(*ORGANISERS), method="post", kwargs=_pk(_campaign), data=lambda ctx: {"days": 3}
    ),
    "phonebank:join_code_end": Expect(only(*ORGANISERS), method="post", kwargs=_pk(_campaign)),
    "phonebank:script_step_add": Expect(only(*ORGANISERS), kwargs=_pk(_campaign)),
    "phonebank:script_step_edit": Expect(only(*ORGANISERS), kwargs=_pk(_step)),
    "phonebank:script_step_remove": Expect(
        only(*ORGANISERS), method="post", kwargs=_pk(_step), reset=_step
    ),
    # The live board and its callers
    "phonebank:board": Expect(only(*ORGANISERS), kwargs=_pk(_campaign)),
    "phonebank:board_live": Expect(only(*ORGANISERS), kwargs=_pk(_campaign)),
    "phonebank:caller_pause": Expect(
        only(*ORGANISERS), method="post", kwargs=_campaign_caller, reset=_caller_back_on
    ),
    "phonebank:caller_resume": Expect(
        only(*ORGANISERS), method="post", kwargs=_campaign_caller, reset=_caller_back_on
    ),
    "phonebank:caller_remove": Expect(
        only(*ORGANISERS), method="post", kwargs=_campaign_caller, reset=_caller_back_on
    ),
}
