"""Permission-matrix rows for canvassing's URLs (see tests/permission_matrix.py)."""

from clp.roles import RoleCode
from tests.permission_matrix import OK, Expect, everyone_logged_in, only

ORGANISERS = (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)
CANVASSER = RoleCode.CANVASSER


def _campaign(ctx):
    from canvassing.models import CanvassCampaign

    campaign, _ = CanvassCampaign.objects.get_or_create(
        constituency=ctx["geography"]["constituency"], name="Matrix campaign"
    )
    return campaign


def _question(ctx):
    from canvassing.models import SurveyQuestion
    from members.models import Question

    campaign = _campaign(ctx)
    # The campaign asks a question from the bank (issue 10).
    bank, _ = Question.objects.get_or_create(
        constituency=campaign.constituency,
        key="matrix-question",
        defaults={"text": "Matrix question", "kind": "single", "choices": ["Yes", "No"]},
    )
    # Removed by one role, put back with the same id for the next (see question_remove's row).
    question, _ = SurveyQuestion.objects.get_or_create(
        pk=ctx.setdefault("question_pk", 990_001),
        defaults={"campaign": campaign, "question": bank},
    )
    return question


def _target(ctx):
    from canvassing.models import Target

    target, _ = Target.objects.get_or_create(campaign=_campaign(ctx), name="Matrix target")
    return target


def _walk_list(ctx):
    """A walk list in Castle A, checked out to the test canvasser."""
    from canvassing.models import WalkList
    from canvassing.services.walk_lists import walk_list_checkout
    from members.models import PollingDistrict

    walk_list, _ = WalkList.objects.get_or_create(
        campaign=_campaign(ctx),
        name="Matrix list",
        defaults={
            "polling_district": PollingDistrict.objects.get(code="CA"),
            "join_code": "MATRX2",
        },
    )
    walk_list_checkout(actor=None, walk_list=walk_list, holder=ctx["users"][CANVASSER])
    return walk_list


def _pk(make):
    return lambda ctx: {"pk": make(ctx).pk}


EXPECTATIONS = {
    # Doorstep
    "canvassing:my_walk_lists": Expect(only(CANVASSER)),
    "canvassing:service_worker": Expect(everyone_logged_in(anonymous=OK)),
    "canvassing:join": Expect(only(CANVASSER), method="post", data=lambda ctx: {"code": "NONE"}),
    "canvassing:join_code": Expect(only(CANVASSER), kwargs=lambda ctx: {"code": "NONE22"}),
    "canvassing:doorstep": Expect(only(CANVASSER), kwargs=_pk(_walk_list)),
    "canvassing:walk_list_return": Expect(
        only(CANVASSER),
        method="post",
        kwargs=_pk(_walk_list),
        reset=_walk_list,  # hand it back to the canvasser for the next role
    ),
    "canvassing:sync": Expect(only(CANVASSER), method="post"),
    # Targeting
    "canvassing:campaign_list": Expect(only(*ORGANISERS)),
    "canvassing:campaign_create": Expect(only(*ORGANISERS), method="post"),
    "canvassing:campaign_detail": Expect(only(*ORGANISERS), kwargs=_pk(_campaign)),
    "canvassing:question_add": Expect(only(*ORGANISERS), method="post", kwargs=_pk(_campaign)),
    "canvassing:campaign_edit": Expect(only(*ORGANISERS), kwargs=_pk(_campaign)),
    "canvassing:question_edit": Expect(only(*ORGANISERS), kwargs=_pk(_question)),
    "canvassing:question_remove": Expect(
        only(*ORGANISERS), method="post", kwargs=_pk(_question), reset=_question
    ),
    "canvassing:target_preview": Expect(only(*ORGANISERS), kwargs=_pk(_campaign)),
    "canvassing:target_create": Expect(only(*ORGANISERS), method="post", kwargs=_pk(_campaign)),
    "canvassing:target_detail": Expect(only(*ORGANISERS), kwargs=_pk(_target)),
    "canvassing:walk_lists_cut": Expect(only(*ORGANISERS), method="post", kwargs=_pk(_target)),
    "canvassing:walk_list_detail": Expect(only(*ORGANISERS), kwargs=_pk(_walk_list)),
    "canvassing:walk_list_assign": Expect(only(*ORGANISERS), method="post", kwargs=_pk(_walk_list)),
    "canvassing:walk_list_take_back": Expect(
        only(*ORGANISERS), method="post", kwargs=_pk(_walk_list)
    ),
    "canvassing:walk_sheet_pdf": Expect(only(*ORGANISERS), kwargs=_pk(_walk_list)),
    "canvassing:paper_entry": Expect(only(*ORGANISERS), kwargs=_pk(_walk_list)),
    "canvassing:review_queue": Expect(only(*ORGANISERS)),
    "canvassing:review_decide": Expect(only(*ORGANISERS), method="post"),
    "canvassing:canvasser_flag": Expect(only(*ORGANISERS), method="post"),
}
