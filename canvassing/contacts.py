"""Canvass results as contacts in the shared record (members.services.contacts): what every
other tool reads of a doorstep or paper result. Called in the transaction that stores them."""

from canvassing.models import CanvassCampaign, CanvassResult, SurveyQuestion, WalkList
from members.models import Channel
from members.services.contacts import ContactRecord, contacts_record, contacts_review

RESULT_SOURCE = "canvassing.result"
CHANNELS = {
    CanvassResult.Source.DOORSTEP: Channel.DOORSTEP,
    CanvassResult.Source.PAPER: Channel.PAPER,
}


def _bank_questions(results) -> dict[str, int]:
    """{campaign question id as the phone sends it: bank question id} for the results."""
    campaigns = {r.campaign_id for r in results}
    return {
        str(pk): question_id
        for pk, question_id in SurveyQuestion.objects.filter(campaign__in=campaigns).values_list(
            "pk", "question_id"
        )
    }


def _contexts(results) -> dict[str, str]:
    """Where each result was recorded, in words: its walk list, else its campaign."""
    campaigns = dict(
        CanvassCampaign.objects.filter(pk__in={r.campaign_id for r in results}).values_list(
            "pk", "name"
        )
    )
    lists = dict(
        WalkList.objects.filter(pk__in={r.walk_list_id for r in results}).values_list("pk", "name")
    )
    # A walk list's name already says its campaign ("Spring — Castle · CA 1: Elm Road").
    return {
        str(r.id): lists.get(r.walk_list_id) or campaigns.get(r.campaign_id, "") for r in results
    }


def _answer(value) -> str:
    return "\n".join(value) if isinstance(value, list) else str(value)


def results_record_contacts(results, *, actor, request=None) -> None:
    """Record each result as a contact of its person, with its answers (already checked
    against the campaign's questions when the result was built)."""
    results = list(results)
    if not results:
        return
    bank, contexts = _bank_questions(results), _contexts(results)
    contacts_record(
        [
            ContactRecord(
                id=result.id,
                person_id=result.person_id,
                contacted_at=result.recorded_at,
                channel=CHANNELS[result.source],
                source=RESULT_SOURCE,
                source_id=str(result.id),
                outcome=result.outcome,
                intention=result.intention,
                strength=result.strength,
                recorded_by_id=result.recorded_by_id,
                review_status=result.review_status,
                context=contexts[str(result.id)],
                answers={
                    bank[key]: _answer(value)
                    for key, value in (result.answers or {}).items()
                    if key in bank and value not in ("", None, [])
                },
            )
            for result in results
        ],
        actor=actor,
        request=request,
    )


def results_review_contacts(result_ids, *, actor, accept: bool, request=None) -> None:
    contacts_review(
        actor=actor, source=RESULT_SOURCE, source_ids=result_ids, accept=accept, request=request
    )
