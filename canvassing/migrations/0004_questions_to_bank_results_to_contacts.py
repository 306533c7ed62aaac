"""Campaign questions join the constituency's question bank (members.Question), and every
doorstep and paper result becomes a contact of its person, with its answers, in members: the
shared record every tool reads. Nothing is dropped here; 0005 removes the copied columns."""

from collections import defaultdict

from django.db import migrations, models
from django.utils.text import slugify

RESULT_SOURCE = "canvassing.result"
CHUNK = 5_000


def _key(text: str, taken: set[str], pk: int) -> str:
    base = slugify(text)[:50] or f"question-{pk}"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    taken.add(key)
    return key


def questions_to_bank(apps) -> dict[int, int]:
    """Each campaign question as a bank question; the same wording, kind and choices in one
    constituency become one bank question. Returns {campaign question id: bank question id}."""
    SurveyQuestion = apps.get_model("canvassing", "SurveyQuestion")
    Question = apps.get_model("members", "Question")
    keys: dict[int, set[str]] = defaultdict(set)
    for constituency_id, key in Question.objects.values_list("constituency_id", "key"):
        keys[constituency_id].add(key)
    bank: dict[tuple, object] = {}
    used: set[tuple[int, int]] = set()
    mapping = {}
    for sq in SurveyQuestion.objects.select_related("campaign").order_by("pk"):
        constituency_id = sq.campaign.constituency_id
        choices = [] if sq.kind == "text" else list(sq.options)
        same = (constituency_id, sq.text, sq.kind, tuple(choices))
        question = bank.get(same)
        if question is None or (sq.campaign_id, question.pk) in used:
            question = Question.objects.create(
                constituency_id=constituency_id,
                key=_key(sq.text, keys[constituency_id], sq.pk),
                text=sq.text,
                kind=sq.kind,
                choices=choices,
            )
            bank.setdefault(same, question)
        used.add((sq.campaign_id, question.pk))
        sq.question = question
        sq.save(update_fields=["question"])
        mapping[sq.pk] = question.pk
    return mapping


def _value(raw, choices: list[str]) -> str:
    if isinstance(raw, list):
        return "\n".join(v for v in choices if v in raw) or "\n".join(str(v) for v in raw)
    return "" if raw is None else str(raw)


def results_to_contacts(apps, mapping: dict[int, int]) -> None:
    CanvassResult = apps.get_model("canvassing", "CanvassResult")
    Contact = apps.get_model("members", "Contact")
    Answer = apps.get_model("members", "Answer")
    Question = apps.get_model("members", "Question")
    choices = dict(Question.objects.values_list("pk", "choices"))
    last_pk = None
    while True:
        results = CanvassResult.objects.order_by("pk")
        if last_pk is not None:
            results = results.filter(pk__gt=last_pk)
        rows = list(
            results.values(
                "id",
                "person_id",
                "recorded_at",
                "received_at",
                "source",
                "outcome",
                "intention",
                "strength",
                "recorded_by_id",
                "review_status",
                "answers",
                "campaign__name",
                "walk_list__name",
            )[:CHUNK]
        )
        if not rows:
            return
        last_pk = rows[-1]["id"]
        contacts, answers = [], []
        for r in rows:
            channel = "paper" if r["source"] == "paper" else "doorstep"
            context = r["walk_list__name"] or r["campaign__name"]
            contacts.append(
                Contact(
                    id=r["id"],
                    person_id=r["person_id"],
                    contacted_at=r["recorded_at"],
                    received_at=r["received_at"],
                    channel=channel,
                    outcome=r["outcome"],
                    intention=r["intention"],
                    strength=r["strength"],
                    recorded_by_id=r["recorded_by_id"],
                    review_status=r["review_status"],
                    source=RESULT_SOURCE,
                    source_id=str(r["id"]),
                    context=context[:200],
                )
            )
            for key, raw in (r["answers"] or {}).items():
                question_id = mapping.get(int(key)) if str(key).isdigit() else None
                value = _value(raw, choices.get(question_id) or [])
                if question_id is None or value == "":
                    continue
                answers.append(
                    Answer(
                        person_id=r["person_id"],
                        question_id=question_id,
                        contact_id=r["id"],
                        answered_at=r["recorded_at"],
                        channel=channel,
                        value=value,
                        recorded_by_id=r["recorded_by_id"],
                        review_status=r["review_status"],
                        source=RESULT_SOURCE,
                        source_id=str(r["id"]),
                    )
                )
        Contact.objects.bulk_create(contacts, ignore_conflicts=True)
        Answer.objects.bulk_create(answers)


def summaries_build(apps) -> None:
    """Each contacted person's latest intention and last contacts (as members.services.contacts
    .summaries_refresh writes them)."""
    Contact = apps.get_model("members", "Contact")
    ContactSummary = apps.get_model("members", "ContactSummary")
    rows = (
        Contact.objects.filter(review_status="accepted")
        .order_by("person_id", "contacted_at", "received_at")
        .values_list("person_id", "contacted_at", "channel", "outcome", "intention", "strength")
    )
    batch, summary = [], None
    for person_id, at, channel, outcome, intention, strength in rows.iterator(CHUNK):
        if summary is None or summary.person_id != person_id:
            if summary is not None:
                batch.append(summary)
            summary = ContactSummary(person_id=person_id)
            if len(batch) >= CHUNK:
                ContactSummary.objects.bulk_create(batch)
                batch = []
        summary.contacted_at, summary.contact_channel = at, channel
        if outcome == "S":
            summary.spoke_at, summary.spoke_channel = at, channel
        if intention:
            summary.intention, summary.strength = intention, strength
            summary.intention_at, summary.intention_channel = at, channel
    if summary is not None:
        batch.append(summary)
    ContactSummary.objects.bulk_create(batch)


def forwards(apps, schema_editor):
    mapping = questions_to_bank(apps)
    results_to_contacts(apps, mapping)
    summaries_build(apps)


def backwards(apps, schema_editor):
    SurveyQuestion = apps.get_model("canvassing", "SurveyQuestion")
    Contact = apps.get_model("members", "Contact")
    ContactSummary = apps.get_model("members", "ContactSummary")
    for sq in SurveyQuestion.objects.select_related("question"):
        sq.text, sq.kind = sq.question.text, sq.question.kind
        sq.options = list(sq.question.choices)
        sq.save(update_fields=["text", "kind", "options"])
    Contact.objects.filter(source=RESULT_SOURCE).delete()
    ContactSummary.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("canvassing", "0003_result_entered_by"),
        ("members", "0016_contacts_answers_question_bank"),
    ]

    operations = [
        migrations.AddField(
            model_name="surveyquestion",
            name="question",
            field=models.ForeignKey(
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="canvass_uses",
                to="members.question",
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
