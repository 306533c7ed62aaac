import pytest

from canvassing.models import CanvassResult, WalkListAssignment, WalkListEntry
from canvassing.tests.factories import ResultFactory
from clp.roles import RoleCode
from gdpr.registry import DataSubject, erase_subject, export_subject

pytestmark = pytest.mark.django_db


def test_a_persons_results_are_exported_and_erased(users, make_walk_list):
    walk_list = make_walk_list(doors=2, per_door=1)
    elector, neighbour = [e.elector for e in walk_list.entries.select_related("elector")]
    ResultFactory(
        campaign=walk_list.campaign,
        walk_list=walk_list,
        elector=elector,
        intention="LAB",
        note="Worried about the bus route",
    )
    ResultFactory(campaign=walk_list.campaign, walk_list=walk_list, elector=neighbour)
    exported = export_subject(DataSubject(person=elector.person))["canvassing"]
    assert exported["doorstep_results"][0]["voting_intention"] == "Labour"
    assert exported["doorstep_results"][0]["note"] == "Worried about the bus route"
    assert exported["walk_lists"] == [walk_list.name]

    summary = erase_subject(DataSubject(person=elector.person), actor=users[RoleCode.IT_MANAGER])
    assert summary["canvassing"]["results_deleted"] == 1
    assert not CanvassResult.objects.filter(person=elector.person).exists()
    assert not WalkListEntry.objects.filter(elector=elector).exists()
    # The neighbour's result is untouched.
    assert CanvassResult.objects.filter(person=neighbour.person).count() == 1


def test_a_volunteers_walk_list_history_is_exported_and_erased(users, make_walk_list):
    walk_list = make_walk_list()
    canvasser = users[RoleCode.CANVASSER]
    exported = export_subject(DataSubject(user=canvasser))["canvassing"]
    assert exported["walk_lists_handed_to_me"][0]["walk_list"] == walk_list.name
    erase_subject(DataSubject(user=canvasser), actor=users[RoleCode.IT_MANAGER])
    assert not WalkListAssignment.objects.filter(user=canvasser).exists()


def test_every_result_appears_on_the_persons_one_timeline_newest_first(users, make_walk_list):
    """Results are contacts: the person's timeline shows them from the shared record, with
    the doorstep's own extras (requests, notes) beside them."""
    import datetime

    from django.utils import timezone

    from members.timeline import events_for

    walk_list = make_walk_list(doors=1, per_door=1)
    elector = walk_list.entries.get().elector
    ResultFactory(
        campaign=walk_list.campaign,
        walk_list=walk_list,
        elector=elector,
        outcome="NI",
        recorded_at=timezone.now() - datetime.timedelta(days=2),
    )
    ResultFactory(
        campaign=walk_list.campaign,
        walk_list=walk_list,
        elector=elector,
        intention="GRN",
        strength=2,
        wants_postal_vote=True,
        recorded_at=timezone.now() - datetime.timedelta(hours=1),
    )
    events = [e for e in events_for(elector.person) if e.source in ("contacts", "canvassing")]
    assert [e.title for e in events] == [
        "Doorstep: Spoke to them, Green, strength 2",
        f"{walk_list.campaign.name}: wants a postal vote",
        "Doorstep: Not in",
    ]
    assert events[0].detail.startswith(walk_list.name) and events[2].detail.startswith(
        walk_list.name
    )
    assert events[0].when >= events[1].when > events[2].when
