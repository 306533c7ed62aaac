"""Every organiser page at real size (issue 9): under 300 ms server time with a constant number
of queries, for the CLP organiser and an area organiser, right after an import and later.

Builds the database once: the demo (seed_demo's own steps, ~20,000 electors, members, segments,
a canvassing campaign), then a 100,000-row register (tests/bench/register_import.py's generator)
in 40 more polling districts, ten per demo ward, imported as an organiser uploads it (an import
batch run as a job), then a year's contact history (contacts_build: 150,000 contacts, answers,
summaries) and segments and targets that read it. Then, without running ANALYZE (so whatever
statistics the writers left, as on a server whose autovacuum lags a big import), times every
page as each role, and again after ANALYZE. Prints page | role | queries | median ms | target
| ok/MISSED, and the line `pages_at_scale people=N slowest_ms=N`.
"""

import csv
import datetime
import io
import logging
import statistics
import time

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.bench import register_import as register_bench

ROWS = 100_000
RUNS = 5
TARGET_MS = 300
# A page slower than this is timed once (the unfixed pages took up to two minutes).
SLOW_MS = 3_000
# Postgres cancels a page's statement after this; the page is then reported as a timeout.
STATEMENT_TIMEOUT_MS = 60_000


def _pd_code(code: str) -> str:
    return "X" + code  # the generator's AA..EH would collide with the demo's CA, CB, CC


def build(stdout) -> None:
    from django.db import transaction

    from clp.demo import DemoContext
    from clp.management.commands.seed_demo import demo_steps
    from clp.models import User
    from conftest import activate_totp
    from members.demo import CONSTITUENCY
    from members.models import Constituency, ImportBatch, PollingDistrict, Ward
    from members.services.batches import import_batch_create, import_batch_start

    started = time.perf_counter()
    ctx = DemoContext(stdout=io.StringIO(), password="bench-password")
    for step in demo_steps():
        with transaction.atomic():
            step.run(ctx)
    constituency = Constituency.objects.get(name=CONSTITUENCY)
    stdout.write(f"demo seeded in {time.perf_counter() - started:.0f} s\n")

    wards = list(Ward.objects.filter(constituency=constituency).order_by("name"))
    PollingDistrict.objects.bulk_create(
        PollingDistrict(
            constituency=constituency,
            ward=wards[index % len(wards)],
            code=_pd_code(code),
            name=f"Bench {code}",
        )
        for index, code in enumerate(register_bench.PDS)
    )
    rows = register_bench.register_rows(ROWS)
    for row in rows:
        row[0] = _pd_code(row[0])
    organiser = User.objects.get(email="organiser@demo.example")
    area_organiser = User.objects.get(email="areaorganiser@demo.example")
    started = time.perf_counter()
    batch = import_batch_create(
        actor=organiser,
        constituency=constituency,
        kind=ImportBatch.Kind.REGISTER,
        filename="register-100k.csv",
        data=register_bench.to_csv(rows),
        published_on=datetime.date(2026, 2, 1),
    )
    import_batch_start(actor=organiser, batch=batch)  # runs in-process: no broker in benches
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE, (batch.status, batch.errors)
    stdout.write(
        f"imported {batch.report['electors_added']:,} electors in "
        f"{time.perf_counter() - started:.0f} s\n"
    )
    contacts_build(stdout, constituency)
    phonebank_build(stdout, constituency, organiser)
    pollingday_build(stdout, constituency, organiser)
    for user in (organiser, area_organiser):
        activate_totp(user)  # broad roles must have MFA: as in production, not demo mode


CONTACTED_PEOPLE = 60_000
CONTACTS = 150_000
ANSWERED_PEOPLE = 30_000
BUSY_CONTACTS = 60  # the person page's busiest person: one timeline of this many contacts
BANK_QUESTION = "Bench: what matters most to you?"
BANK_CHOICES = ["Cost of living", "NHS", "Housing", "Crime", "Environment"]


def contacts_build(stdout, constituency) -> None:
    """A contact history as the record would hold after a year of campaigning: ~150,000
    accepted contacts over ~60,000 people (several for some), spread over the last 400 days,
    on the doorstep, paper and phone, mostly spoken-to or not-in, intentions with strengths on
    most spoken-to contacts, a bank question answered by ~30,000 people, a few percent pending.
    Written in bulk, then every contacted person's summary in one `summaries_refresh`; no
    ANALYZE afterwards (the first measured phase is "straight after the import")."""
    import random
    import uuid

    from django.utils import timezone

    from members.models import (
        Answer,
        Channel,
        Contact,
        Elector,
        Intention,
        Outcome,
        Person,
        Question,
        Review,
    )
    from members.services.contacts import summaries_refresh

    started = time.perf_counter()
    rng = random.Random(10)
    now = timezone.now()
    people = list(
        Person.objects.filter(constituency=constituency).order_by("pk").values_list("pk", flat=True)
    )
    chosen = rng.sample(people, min(CONTACTED_PEOPLE, len(people)))
    # The busiest person lives in the area organiser's first imported Castle district.
    busy = (
        Elector.objects.filter(
            polling_district__ward__name="Castle", polling_district__code__startswith="X"
        )
        .order_by("polling_district__code", "person_id")
        .values_list("person_id", flat=True)
        .first()
    )
    # Several contacts for some: every chosen person once, the rest to a third of them.
    owners = chosen + [
        rng.choice(chosen[: len(chosen) // 3])
        for _ in range(CONTACTS - len(chosen) - BUSY_CONTACTS)
    ]
    owners += [busy] * BUSY_CONTACTS
    channels = [Channel.DOORSTEP] * 55 + [Channel.PAPER] * 20 + [Channel.PHONE] * 25
    outcomes = [Outcome.SPOKE] * 55 + [Outcome.NOT_IN] * 38 + [Outcome.REFUSED] * 4
    outcomes += [Outcome.DO_NOT_RETURN] * 3
    intentions = [Intention.LABOUR] * 40 + [Intention.CONSERVATIVE] * 20
    intentions += [Intention.LIB_DEM] * 10 + [Intention.GREEN] * 8 + [Intention.REFORM] * 10
    intentions += [Intention.UNDECIDED] * 10 + [Intention.WONT_SAY] * 2
    contacts = []
    for n, person_id in enumerate(owners):
        outcome = rng.choice(outcomes)
        intention = (
            rng.choice(intentions) if outcome == Outcome.SPOKE and rng.random() < 0.8 else ""
        )
        at = now - datetime.timedelta(seconds=rng.randrange(400 * 86_400))
        contacts.append(
            Contact(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                person_id=person_id,
                contacted_at=at,
                received_at=at,
                channel=rng.choice(channels),
                outcome=outcome,
                intention=intention,
                strength=rng.randint(1, 5) if intention else None,
                review_status=Review.PENDING if rng.random() < 0.03 else Review.ACCEPTED,
                source="bench",
                source_id=str(n),
                context="Bench history",
            )
        )
    Contact.objects.bulk_create(contacts, batch_size=5_000)
    question = Question.objects.create(
        constituency=constituency,
        key="bench-matters-most",
        text=BANK_QUESTION,
        kind=Question.Kind.SINGLE,
        choices=BANK_CHOICES,
    )
    answered, answers = set(), []
    for contact in contacts:
        if contact.outcome != Outcome.SPOKE or len(answered) >= ANSWERED_PEOPLE:
            continue
        if contact.person_id in answered and rng.random() < 0.8:
            continue
        answered.add(contact.person_id)
        answers.append(
            Answer(
                person_id=contact.person_id,
                question=question,
                contact=contact,
                answered_at=contact.contacted_at,
                channel=contact.channel,
                value=rng.choice(BANK_CHOICES),
                review_status=contact.review_status,
                source=contact.source,
                source_id=contact.source_id,
            )
        )
    Answer.objects.bulk_create(answers, batch_size=5_000)
    written = time.perf_counter() - started
    summaries_refresh(set(owners))
    stdout.write(
        f"contacts: {len(contacts):,} over {len(set(owners)):,} people, {len(answers):,} "
        f"answers, written in {written:.0f} s, summaries in "
        f"{time.perf_counter() - started - written:.0f} s\n"
    )
    _contact_segments(constituency, question)


PHONED_PEOPLE = 90_000  # numbers for most people, as a CLP that bought a phone-matched register
BENCH_CALLS = 600
PHONE_BANK = "Bench: everyone reachable"


def phonebank_build(stdout, constituency, organiser) -> None:
    """A phone bank over the whole CLP: numbers for ~90,000 people (one in ten on the TPS),
    the call list built through the service, and a few hundred calls by five callers, so the
    list, the phone bank's page and its live board are measured at real size."""
    import random

    from clp.models import User
    from clp.roles import RoleCode
    from clp.services import role_grant
    from members.models import ContactPhone, Outcome, Person
    from phonebank.services.calls import CallResult, call_record
    from phonebank.services.campaigns import (
        campaign_create,
        campaign_status_set,
        default_settings,
    )
    from phonebank.services.queue import contact_hand_out, queue_build
    from phonebank.tests.conftest import TUESDAY_11AM

    started = time.perf_counter()
    rng = random.Random(11)
    people = list(
        Person.objects.filter(constituency=constituency).order_by("pk").values_list("pk", flat=True)
    )
    phoned = rng.sample(people, min(PHONED_PEOPLE, len(people)))
    ContactPhone.objects.bulk_create(
        (
            ContactPhone(
                person_id=pk,
                number=f"+447{n:09d}",
                kind=ContactPhone.Kind.MOBILE,
                tps_registered=rng.random() < 0.1,
                source="bench",
            )
            for n, pk in enumerate(phoned)
        ),
        batch_size=5_000,
    )
    numbers = time.perf_counter() - started
    campaign = campaign_create(
        actor=organiser,
        constituency=constituency,
        values=default_settings(
            name=PHONE_BANK, recent_days=0, wards=list(constituency.wards.all())
        ),
    )
    started_build = time.perf_counter()
    built = queue_build(actor=organiser, campaign=campaign)
    build_s = time.perf_counter() - started_build
    campaign_status_set(actor=organiser, campaign=campaign, status="active")
    callers = []
    for n in range(5):
        user = User.objects.create_user(
            email=f"bench-caller-{n}@bench.example", full_name=f"Caller {n}"
        )
        role_grant(actor=None, user=user, role=RoleCode.CALLER, area=constituency)
        callers.append(user)
    outcomes = [Outcome.SPOKE] * 4 + [Outcome.NOT_IN] * 4 + [Outcome.VOICEMAIL, Outcome.REFUSED]
    at = TUESDAY_11AM
    for n in range(BENCH_CALLS):
        caller = callers[n % len(callers)]
        at += datetime.timedelta(seconds=20)
        entry = contact_hand_out(campaign=campaign, user=caller, now=at)
        outcome = rng.choice(outcomes)
        call_record(
            actor=caller,
            campaign=campaign,
            lease_id=entry.lease_id,
            result=CallResult(outcome=outcome, intention="LAB" if outcome == "S" else ""),
            now=at + datetime.timedelta(seconds=rng.randint(15, 300)),
        )
    stdout.write(
        f"phone bank: {len(phoned):,} numbers in {numbers:.0f} s; call list of "
        f"{built.in_queue:,} built in {build_s:.1f} s (left out: {built.skipped}); "
        f"{BENCH_CALLS} calls in {time.perf_counter() - started - numbers - build_s:.0f} s\n"
    )


ELECTION = "Bench: general election"
PAST_ELECTION = "Bench: general election 2024"
VOTED_SHARE = 0.2  # of electors marked by tellers so far
POSTAL_SHARE = 0.15


def pollingday_build(stdout, constituency, organiser) -> None:
    """Polling day over the whole CLP, mid-afternoon: every district votes at a station of its
    own, one in five electors already told as voted (spread over the day so far), postal
    voters on the absent voters list with half their ballots back, a telling rota with some
    sign-ups, a committee room for Castle ward, and an earlier election's vote history (the
    turnout board's comparison) for 60% of people."""
    import random

    from django.utils import timezone

    from members.models import (
        Election,
        Elector,
        PollingDistrict,
        PollingStation,
        Segment,
    )
    from pollingday.models import CommitteeRoom, Shift, ShiftSignup, Telling
    from pollingday.services.imports import (
        absent_voters_import,
        marked_register_import,
        postal_returns_import,
    )
    from pollingday.services.knockup import knockup_list_hand_out, knockup_lists_cut

    started = time.perf_counter()
    rng = random.Random(12)
    today = timezone.localdate()
    districts = list(PollingDistrict.objects.filter(constituency=constituency).order_by("code"))
    for district in districts:
        if district.polling_station_id is None:
            district.polling_station = PollingStation.objects.create(
                constituency=constituency, name=f"Station for {district.code}", code=district.code
            )
            district.save(update_fields=["polling_station"])
    past = Election.objects.create(
        constituency=constituency,
        name=PAST_ELECTION,
        kind=Election.Kind.PARLIAMENTARY,
        polls_on=datetime.date(2024, 7, 4),
    )
    past.polling_districts.set(districts)
    election = Election.objects.create(
        constituency=constituency,
        name=ELECTION,
        kind=Election.Kind.PARLIAMENTARY,
        polls_on=today,
        compare_with=past,
        undecided_min_strength=4,
    )
    election.polling_districts.set(districts)
    electors = list(
        Elector.objects.filter(constituency=constituency, on_register=True)
        .order_by("pk")
        .values_list(
            "pk",
            "person_id",
            "polling_district_id",
            "polling_district__code",
            "number",
            "suffix",
            "surname",
        )
    )

    def number(row) -> str:
        return f"{row[3]}-{row[4]}" + (f"/{row[5]}" if row[5] else "")

    def csv_file(header, rows) -> bytes:
        out = io.StringIO()
        csv.writer(out).writerows([header, *rows])
        return out.getvalue().encode()

    # The council's files, through the imports a CLP uses (each analyses what it wrote).
    imported = time.perf_counter()
    past_voters = [row for row in electors if rng.random() < 0.6]
    marked_register_import(
        actor=organiser,
        election=past,
        data=csv_file(["Elector Number"], ([number(r)] for r in past_voters)),
        filename="marked-register-2024.csv",
    )
    postal = [row for row in electors if rng.random() < POSTAL_SHARE]
    absent_voters_import(
        actor=organiser,
        election=election,
        data=csv_file(["Elector Number", "Surname"], ([number(r), r[6]] for r in postal)),
        filename="absent-voters.csv",
        list_kind="postal",
    )
    postal_returns_import(
        actor=organiser,
        election=election,
        data=("Elector Number\n" + "".join(f"{number(r)}\n" for r in postal[::2])).encode(),
        filename="postal-returns.csv",
        received_on=today,
    )
    imported = time.perf_counter() - imported
    station_of = {d.pk: d.polling_station_id for d in districts}
    now = timezone.now()
    opened = timezone.make_aware(datetime.datetime.combine(today, election.opens_at))
    span = max(60, int((min(now, opened + datetime.timedelta(hours=15)) - opened).total_seconds()))
    postal_ids = {row[0] for row in postal}
    voters = [e[:3] for e in electors if e[0] not in postal_ids and rng.random() < VOTED_SHARE]
    Telling.objects.bulk_create(
        (
            Telling(
                election=election,
                polling_station_id=station_of[district],
                polling_district_id=district,
                elector_id=pk,
                person_id=person,
                told_at=opened + datetime.timedelta(seconds=rng.randrange(span)),
                received_at=now,
                recorded_by=organiser,
            )
            for pk, person, district in voters
        ),
        batch_size=5_000,
    )
    castle = [d for d in districts if d.ward and d.ward.name == "Castle"]
    room = CommitteeRoom.objects.create(election=election, name="Bench: Castle committee room")
    room.polling_districts.set(castle)
    slots = [(7, 10), (10, 13), (13, 16), (16, 19), (19, 22)]
    shifts = Shift.objects.bulk_create(
        Shift(
            election=election,
            kind=Shift.Kind.TELLER,
            polling_station_id=station,
            starts_at=timezone.make_aware(datetime.datetime.combine(today, datetime.time(a))),
            ends_at=timezone.make_aware(datetime.datetime.combine(today, datetime.time(b))),
            wanted=2,
        )
        for station in sorted(set(station_of.values()))
        for a, b in slots
    )
    ShiftSignup.objects.bulk_create(
        ShiftSignup(shift=shift, user=organiser) for shift in shifts[::3]
    )
    for name, filters in (
        ("Bench: voted in 2024", {"voted_in": past.pk}),
        ("Bench: did not vote in 2024", {"did_not_vote_in": past.pk}),
        ("Bench: postal not returned", {"postal_not_returned": election.pk}),
    ):
        Segment.objects.create(constituency=constituency, name=name, filters=filters)
    knock_up_district = (
        PollingDistrict.objects.filter(ward__name="Castle", code__startswith="X")
        .order_by("code")
        .first()
    )
    cut = knockup_lists_cut(actor=organiser, election=election, polling_district=knock_up_district)
    knockup_list_hand_out(actor=organiser, knock_up_list=cut[0], runner=organiser)
    stdout.write(
        f"polling day: marked register ({len(past_voters):,}), absent voters "
        f"({len(postal):,}) and postal returns imported in {imported:.0f} s; "
        f"{len(voters):,} tellings, "
        f"{len(shifts)} shifts, {len(cut)} knock-up lists for {knock_up_district.code} "
        f"in {time.perf_counter() - started:.0f} s\n"
    )


def _contact_segments(constituency, question) -> None:
    """Saved segments and canvass targets that read the contact record: the organiser's
    "said Labour, strength 4 or more, not spoken to in 28 days, in Castle ward", those not
    phoned in 28 days, and those whose latest answer is "Housing"."""
    from canvassing.models import CanvassCampaign, Target
    from members.models import Segment, Ward

    castle = Ward.objects.get(constituency=constituency, name="Castle")
    since = (datetime.date.today() - datetime.timedelta(days=28)).isoformat()
    labour = {
        "wards": [castle.pk],
        "intentions": ["LAB"],
        "min_strength": "4",
        "not_contacted_since": since,
    }
    phone = {"contact_channels": ["phone"], "not_contacted_since": since}
    housing = {"answers": [{"question": question.pk, "value": "Housing"}]}
    for name, filters in (
        ("Castle Labour 4+ not spoken to in 28 days", labour),
        ("Not phoned in 28 days", phone),
        ("Say housing matters most", housing),
    ):
        Segment.objects.create(constituency=constituency, name=name, filters=filters)
    campaign = CanvassCampaign.objects.filter(constituency=constituency).order_by("-id").first()
    for name, filters in (
        ("Bench: Castle Labour 4+ not spoken to in 28 days", labour),
        ("Bench: not phoned in 28 days", {**phone, "wards": [castle.pk]}),
        ("Bench: housing", housing),
    ):
        Target.objects.create(campaign=campaign, name=name, filters=filters)


def world() -> dict:
    """What the pages are about, looked up in the built database."""
    from django.db.models import Count

    from canvassing.models import CanvassCampaign
    from clp.models import User
    from members.models import (
        Contact,
        Election,
        ImportBatch,
        Person,
        PollingDistrict,
        Segment,
        Ward,
    )
    from phonebank.models import CallCampaign
    from pollingday.models import CommitteeRoom, KnockUpList

    batch = ImportBatch.objects.get(filename="register-100k.csv")
    constituency = batch.constituency
    campaign = CanvassCampaign.objects.filter(constituency=constituency).order_by("-id").first()
    castle = Ward.objects.get(constituency=constituency, name="Castle")
    # One of the imported districts in Castle ward, the area organiser's.
    district = (
        PollingDistrict.objects.filter(ward=castle, code__startswith="X").order_by("code").first()
    )
    return {
        "organiser": User.objects.get(email="organiser@demo.example"),
        "area_organiser": User.objects.get(email="areaorganiser@demo.example"),
        "batch": batch,
        "campaign": campaign,
        "target": campaign.targets.order_by("id").first(),
        "walk_list": campaign.walk_lists.filter(polling_district__ward=castle)
        .order_by("id")
        .first(),
        "castle": castle,
        "castle_district": district,
        "castle_person": Person.objects.filter(elector_entries__polling_district=district)
        .order_by("-id")
        .values_list("pk", flat=True)
        .first(),
        "ward_segment": Segment.objects.get(constituency=constituency, name="Castle ward electors"),
        "labour_segment": Segment.objects.get(
            constituency=constituency, name="Castle Labour 4+ not spoken to in 28 days"
        ),
        "phone_segment": Segment.objects.get(
            constituency=constituency, name="Not phoned in 28 days"
        ),
        "housing_segment": Segment.objects.get(
            constituency=constituency, name="Say housing matters most"
        ),
        "labour_target": campaign.targets.get(
            name="Bench: Castle Labour 4+ not spoken to in 28 days"
        ),
        "phone_target": campaign.targets.get(name="Bench: not phoned in 28 days"),
        "housing_target": campaign.targets.get(name="Bench: housing"),
        "busy_person": Contact.objects.filter(source="bench")
        .values("person_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("person_id", flat=True)
        .first(),
        "postal_segment": Segment.objects.get(constituency=constituency, name="Postal voters"),
        "phone_bank": CallCampaign.objects.get(constituency=constituency, name=PHONE_BANK),
        "election": Election.objects.get(constituency=constituency, name=ELECTION),
        "committee_room": CommitteeRoom.objects.get(name="Bench: Castle committee room"),
        "vote_segments": [
            (name.removeprefix("Bench: "), pk)
            for name, pk in Segment.objects.filter(
                constituency=constituency,
                name__in=[
                    "Bench: voted in 2024",
                    "Bench: did not vote in 2024",
                    "Bench: postal not returned",
                ],
            )
            .order_by("name")
            .values_list("name", "pk")
        ],
        "knock_up_list": KnockUpList.objects.filter(election__name=ELECTION, runner__isnull=False)
        .order_by("pk")
        .first(),
    }


def pages(world: dict) -> list[tuple[str, str, dict, str]]:
    """(label, url, GET params or POST data, method: get, post, or htmx for a GET that htmx
    sends to refresh part of a page)."""
    campaign = world["campaign"]
    bank = world["phone_bank"]
    people = reverse("members:people_list")
    electors = reverse("members:elector_list")
    preview = reverse("canvassing:target_preview", args=[campaign.pk])
    since = (datetime.date.today() - datetime.timedelta(days=28)).isoformat()
    labour, phone = world["labour_segment"], world["phone_segment"]
    housing = world["housing_segment"]

    def target(t):
        return reverse("canvassing:target_detail", args=[t.pk])

    return [
        ("people list", people, {}, "get"),
        ("people list, page 3", people, {"page": 3}, "get"),
        ("people search: name", people, {"q": "Smith"}, "get"),
        ("people search: two words", people, {"q": "mary high"}, "get"),
        ("people filter: members", people, {"membership": "member"}, "get"),
        ("people search + members", people, {"q": "Smith", "membership": "any"}, "get"),
        ("person page", reverse("members:person_detail", args=[world["castle_person"]]), {}, "get"),
        (
            "person edit page",
            reverse("members:person_edit", args=[world["castle_person"]]),
            {},
            "get",
        ),
        ("electors list", electors, {}, "get"),
        ("electors search: name", electors, {"q": "Smith"}, "get"),
        ("electors search: number", electors, {"q": f"{world['castle_district'].code}-12"}, "get"),
        ("electors search: street", electors, {"q": "Mill Lane"}, "get"),
        (
            "electors filter: district",
            electors,
            {"polling_district": world["castle_district"].pk},
            "get",
        ),
        ("electors filter: left", electors, {"show": "off"}, "get"),
        ("elector export: reason form", reverse("members:elector_export"), {}, "get"),
        ("elector export start", reverse("members:elector_export"), {"why": "bench"}, "get"),
        (
            "segment export start",
            reverse("members:segment_export", args=[world["ward_segment"].pk]),
            {"why": "bench"},
            "get",
        ),
        ("segment list", reverse("members:segment_list"), {}, "get"),
        (
            "segment page: ward",
            reverse("members:segment_detail", args=[world["ward_segment"].pk]),
            {},
            "get",
        ),
        (
            "segment page: ward, page 40",
            reverse("members:segment_detail", args=[world["ward_segment"].pk]),
            {"page": 40},
            "get",
        ),
        (
            "segment page: postal",
            reverse("members:segment_detail", args=[world["postal_segment"].pk]),
            {},
            "get",
        ),
        (
            "segment count preview",
            reverse("members:segment_create"),
            {"name": "x", "wards": [world["castle"].pk], "on_register": "on", "preview": "1"},
            "post",
        ),
        ("target preview: ward segment", preview, {"segment": world["ward_segment"].pk}, "get"),
        ("target preview: postal voters", preview, {"postal_voter": "yes"}, "get"),
        ("target preview: intention", preview, {"intentions": ["LAB", "UND"]}, "get"),
        ("target preview: never canvassed", preview, {"never_canvassed": "on"}, "get"),
        (
            "target preview: LAB 4+, not 28d, ward",
            preview,
            {
                "intentions": ["LAB"],
                "min_strength": "4",
                "not_contacted_since": since,
                "wards": [world["castle"].pk],
            },
            "get",
        ),
        ("target preview: seg LAB 4+ not 28d", preview, {"segment": labour.pk}, "get"),
        ("target preview: seg not phoned 28d", preview, {"segment": phone.pk}, "get"),
        ("target preview: seg answer", preview, {"segment": housing.pk}, "get"),
        (
            "segment page: LAB 4+ not 28d",
            reverse("members:segment_detail", args=[labour.pk]),
            {},
            "get",
        ),
        (
            "segment page: not phoned 28d",
            reverse("members:segment_detail", args=[phone.pk]),
            {},
            "get",
        ),
        ("segment page: answer", reverse("members:segment_detail", args=[housing.pk]), {}, "get"),
        ("campaign page", reverse("canvassing:campaign_detail", args=[campaign.pk]), {}, "get"),
        ("target page", reverse("canvassing:target_detail", args=[world["target"].pk]), {}, "get"),
        ("target page: LAB 4+ not 28d", target(world["labour_target"]), {}, "get"),
        ("target page: not phoned 28d", target(world["phone_target"]), {}, "get"),
        ("target page: answer", target(world["housing_target"]), {}, "get"),
        (
            "person page: many contacts",
            reverse("members:person_detail", args=[world["busy_person"]]),
            {},
            "get",
        ),
        ("import report", reverse("members:import_detail", args=[world["batch"].pk]), {}, "get"),
        ("import list", reverse("members:import_list"), {}, "get"),
        ("member matches + people to check", reverse("members:match_list"), {}, "get"),
        ("geography page", reverse("members:geography"), {}, "get"),
        ("campaign list", reverse("canvassing:campaign_list"), {}, "get"),
        ("campaign edit page", reverse("canvassing:campaign_edit", args=[campaign.pk]), {}, "get"),
        (
            "walk list page",
            reverse("canvassing:walk_list_detail", args=[world["walk_list"].pk]),
            {},
            "get",
        ),
        ("review queue", reverse("canvassing:review_queue"), {}, "get"),
        ("volunteers", reverse("clp:volunteer_list"), {}, "get"),
        ("phone bank list", reverse("phonebank:campaign_list"), {}, "get"),
        ("phone bank page", reverse("phonebank:campaign_detail", args=[bank.pk]), {}, "get"),
        ("phone bank settings", reverse("phonebank:campaign_edit", args=[bank.pk]), {}, "get"),
        ("phone bank board", reverse("phonebank:board", args=[bank.pk]), {}, "get"),
        ("phone bank board (live)", reverse("phonebank:board_live", args=[bank.pk]), {}, "htmx"),
        *pollingday_pages(world),
    ]


def pollingday_pages(world: dict) -> list[tuple[str, str, dict, str]]:
    election, room = world["election"], world["committee_room"]
    knock_up_list = world["knock_up_list"]
    station = knock_up_list.polling_district.polling_station
    preview = reverse("canvassing:target_preview", args=[world["campaign"].pk])

    def url(name, *args):
        return reverse(f"pollingday:{name}", args=args)

    return [
        ("polling day: elections", url("election_list"), {}, "get"),
        ("polling day: election page", url("election_detail", election.pk), {}, "get"),
        ("polling day: stations", url("station_list", election.pk), {}, "get"),
        ("polling day: shifts rota", url("shift_list", election.pk), {}, "get"),
        ("polling day: promises", url("promises", election.pk), {}, "get"),
        ("polling day: knock-up lists", url("knockup_lists", election.pk), {}, "get"),
        ("polling day: room board", url("committee_room_board", election.pk, room.pk), {}, "get"),
        (
            "polling day: room board (live)",
            url("committee_room_board", election.pk, room.pk),
            {},
            "htmx",
        ),
        ("polling day: turnout", url("turnout", election.pk), {}, "get"),
        ("polling day: absent voters file", url("absent_voters_import", election.pk), {}, "get"),
        (
            "polling day: marked register file",
            url("marked_register_import", election.pk),
            {},
            "get",
        ),
        ("polling day: my shifts", url("my_shifts"), {}, "get"),
        ("polling day: tell: stations", url("tell_choose"), {}, "get"),
        ("polling day: tell: station page", url("tell", election.pk, station.pk), {}, "get"),
        (
            "polling day: tell: lookup",
            url("tell_lookup", election.pk, station.pk),
            {"surname": "Smi"},
            "htmx",
        ),
        *(
            (f"segment page: {label}", reverse("members:segment_detail", args=[pk]), {}, "get")
            for label, pk in world["vote_segments"]
        ),
        *(
            (f"target preview: {label}", preview, {"segment": pk}, "get")
            for label, pk in world["vote_segments"]
        ),
        ("polling day: runner's list", url("knockup_run", knock_up_list.pk), {}, "get"),
        ("polling day: runner's voted feed", url("knockup_voted", knock_up_list.pk), {}, "get"),
    ]


def _time_page(client, method, url, data) -> tuple[int, int, list[float], str]:
    """(status, queries, timings in ms, note)."""
    if method == "htmx":

        def send(url, data):
            return client.get(url, data, headers={"HX-Request": "true"})

    else:
        send = getattr(client, method)
    timings, queries, status = [], 0, 0
    for _run in range(RUNS):
        reset_queries()  # the log keeps 9,000 queries: full, it would count none
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            try:
                response = send(url, data)
            except Exception as exc:  # a cancelled statement: report it, go on
                return 0, len(captured.captured_queries), [], type(exc).__name__
            timings.append((time.perf_counter() - started) * 1000)
        status = response.status_code
        queries = len(captured.captured_queries)
        if status != 200 or timings[-1] > SLOW_MS:
            break
    return status, queries, timings, ""


def measure(stdout, world: dict, phase: str) -> list[dict]:
    roles = [("organiser", world["organiser"]), ("area organiser", world["area_organiser"])]
    results = []
    stdout.write(f"\n-- {phase}\n")
    stdout.write(f"{'page':<38} {'role':<15} {'queries':>7} {'median ms':>10}  target  result\n")
    for label, url, data, method in pages(world):
        for role, user in roles:
            client = Client(SERVER_NAME="localhost", raise_request_exception=True)
            client.force_login(user)
            status, queries, timings, note = _time_page(client, method, url, data)
            if status in (403, 404) and not note:
                continue  # not this role's page (imports are the CLP organiser's)
            ms = statistics.median(timings) if timings else float("inf")
            ok = status == 200 and ms < TARGET_MS
            shown = f"{ms:>10.0f}" if timings else f"{'>' + str(timeout_ms()):>10}"
            extra = f" ({note or status})" if note or status != 200 else ""
            stdout.write(
                f"{label:<38} {role:<15} {queries:>7} {shown}  {TARGET_MS:>6}  "
                f"{'ok' if ok else 'MISSED'}{extra}\n"
            )
            stdout.flush()
            results.append({"page": label, "role": role, "ms": ms, "queries": queries, "ok": ok})
    return results


def timeout_ms() -> int:
    return STATEMENT_TIMEOUT_MS  # set by run() for the measured phases


def run(stdout) -> None:
    if connection.vendor != "postgresql":
        stdout.write("pages_at_scale: skipped (measures Postgres's plans; set DATABASE_URL)\n")
        return
    from members.models import Person

    _empty_database()  # the demo needs a database of its own: other benches share this one
    build(stdout)
    world_ = world()
    # A cancelled statement is reported in the table, not as a traceback.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    people = Person.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    fresh = measure(
        stdout, world_, f"right after the import, no ANALYZE by the bench ({people:,} people)"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    later = measure(stdout, world_, "after ANALYZE")
    everything = fresh + later
    if _forget_statistics():
        everything += measure(stdout, world_, "statistics forgotten, as if never analysed")
    slowest = max(r["ms"] for r in everything)
    missed = sum(not r["ok"] for r in everything)
    stdout.write(
        f"\nslowest: {slowest:.0f} ms; {missed} of {len(everything)} page/role/phase "
        f"figures missed {TARGET_MS} ms\n"
    )
    slowest_shown = STATEMENT_TIMEOUT_MS if slowest == float("inf") else round(slowest)
    stdout.write(f"pages_at_scale people={people} slowest_ms={slowest_shown}\n")
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    _empty_database()  # leave the next bench the empty database it expects


def _forget_statistics() -> bool:
    """Put the tables the pages read back as if never analysed (a superuser may: the bench's
    scratch database), so that pages stay measured without statistics even once every bulk
    writer analyses what it wrote. False when not allowed."""
    from django.apps import apps
    from django.db import DatabaseError, transaction

    tables = [
        m._meta.db_table
        for app in ("members", "canvassing", "phonebank", "pollingday")
        for m in apps.get_app_config(app).get_models()
    ]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM pg_statistic WHERE starelid = ANY(%s::regclass[])", [tables]
            )
            cursor.execute(
                "UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = ANY(%s::regclass[])",
                [tables],
            )
    except DatabaseError:
        return False
    return True


def _empty_database() -> None:
    """Flush the bench's scratch database. The audit log refuses TRUNCATE (clp migration
    0004) unless triggers are off, which the superuser the bench runs as may ask for, as the
    test suite's flush does (conftest.py)."""
    from django.core.management import call_command

    from conftest import ensure_roles
    from tests.flush import audit_log_flushable

    with audit_log_flushable():
        call_command("flush", interactive=False, verbosity=0)
    ensure_roles()  # rows data migrations made
