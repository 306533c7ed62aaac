"""Demo phone banking: a phone bank calling Castle ward, with a short branching script, a join
code, and numbers for a few hundred demo people (in Ofcom's drama range, 07700 900xxx, which
never ring anyone). Idempotent: nothing changes on a re-run."""

import random

from clp.demo import DemoContext, DemoStep, demo_email

CAMPAIGN = "Winter calls — Castle"


def seed_phonebank(ctx: DemoContext) -> None:
    from clp.models import User
    from members.models import ContactPhone, Person, Question, Ward
    from phonebank.models import CallCampaign
    from phonebank.services.campaigns import (
        campaign_create,
        campaign_status_set,
        default_settings,
        join_code_issue,
        script_step_save,
    )
    from phonebank.services.queue import queue_build

    organiser = User.objects.filter(email=demo_email("organiser")).first()
    castle = Ward.objects.filter(name="Castle").select_related("constituency").first()
    if organiser is None or castle is None or CallCampaign.objects.filter(name=CAMPAIGN).exists():
        return
    constituency = castle.constituency
    rng = random.Random(2026)
    people = list(
        Person.objects.filter(constituency=constituency, polling_district__ward=castle)
        .exclude(phones__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:400]
    )
    ContactPhone.objects.bulk_create(
        [
            ContactPhone(
                person_id=pk,
                number=f"+447700900{n:03d}",
                kind=ContactPhone.Kind.MOBILE if rng.random() < 0.7 else ContactPhone.Kind.LANDLINE,
                source="demo",
                tps_registered=rng.random() < 0.1,
            )
            for n, pk in enumerate(people[:1000])
        ],
        ignore_conflicts=True,
    )
    housing, _ = Question.objects.get_or_create(
        constituency=constituency,
        key="demo-phone-housing",
        defaults={"text": "Is housing a big worry for your family?", "kind": "yesno"},
    )
    helping, _ = Question.objects.get_or_create(
        constituency=constituency,
        key="demo-phone-help",
        defaults={
            "text": "Would you help in the campaign?",
            "kind": "single",
            "choices": ["Deliver leaflets", "Display a poster", "Not now"],
        },
    )
    campaign = campaign_create(
        actor=organiser,
        constituency=constituency,
        values=default_settings(
            name=CAMPAIGN,
            purpose="Persuasion before the May elections",
            introduction=(
                "Hello, is that {their name}? I'm {your name}, a volunteer with your local "
                "Labour Party. Have you got two minutes to tell us what matters to you?"
            ),
            wards=[castle],
        ),
    )
    script_step_save(
        actor=organiser,
        campaign=campaign,
        text="Ask about housing.",
        question=housing,
    )
    script_step_save(
        actor=organiser,
        campaign=campaign,
        text="“We're fighting for more council homes.” Then ask:",
        question=helping,
    )
    script_step_save(actor=organiser, campaign=campaign, text="Thank them and say goodbye.")
    first = campaign.steps.get(position=1)
    script_step_save(
        actor=organiser,
        campaign=campaign,
        step=first,
        text=first.text,
        question=housing,
        branches={"no": 3},
    )
    built = queue_build(actor=organiser, campaign=campaign)
    campaign_status_set(actor=organiser, campaign=campaign, status=CallCampaign.Status.ACTIVE)
    code = join_code_issue(actor=organiser, campaign=campaign, days=60)
    ctx.say(
        f"Phone banking: “{CAMPAIGN}” calling {built.in_queue} people in Castle ward; "
        f"join code {code} (the demo caller can call already)."
    )


DEMO_STEPS = [DemoStep(45, "phone banking", seed_phonebank)]
