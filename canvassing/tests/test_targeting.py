import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from canvassing.targeting import target_counts, target_electors
from canvassing.tests.factories import ElectorFactory, ResultFactory, StreetFactory, household
from clp.roles import RoleCode
from members.models import Membership, PollingDistrict

pytestmark = pytest.mark.django_db


@pytest.fixture
def electorate(campaign, castle_a):
    """Six electors in Castle A at four doors, plus one in Riverside, with some history."""
    street = StreetFactory(constituency=campaign.constituency, name="Target Road")
    labour, tory = household(street, 1, size=2, pd=castle_a)
    postal, member = household(street, 2, size=2, pd=castle_a)
    (never,) = household(street, 3, pd=castle_a)
    (refuser,) = household(street, 5, pd=castle_a)
    riverside = household(street, 7, pd=PollingDistrict.objects.get(code="RA"))[0]
    postal.is_postal_voter = True
    postal.save()
    Membership.objects.create(person=member.person, number="L1")
    long_ago = timezone.now() - datetime.timedelta(days=400)
    ResultFactory(campaign=campaign, elector=labour, intention="LAB", strength=5)
    ResultFactory(campaign=campaign, elector=tory, intention="CON", strength=4)
    ResultFactory(
        campaign=campaign, elector=postal, intention="LAB", strength=2, recorded_at=long_ago
    )
    ResultFactory(campaign=campaign, elector=member, outcome="NI")
    ResultFactory(campaign=campaign, elector=refuser, intention="LAB", review_status="pending")
    return locals()


def _names(electors):
    return sorted(str(e) for e in electors)


def _match(campaign, user, **filters):
    return _names(target_electors(campaign=campaign, filters=filters, user=user))


def test_target_filters_select_the_right_electors(campaign, users, electorate):
    e = electorate
    org = users[RoleCode.ORGANISER]
    everyone_in_castle = _names(
        [e[k] for k in ("labour", "tory", "postal", "member", "never", "refuser")]
    )
    assert _match(campaign, org, polling_districts=[e["castle_a"].pk]) == everyone_in_castle
    assert _match(campaign, org, intentions=["LAB"]) == _names([e["labour"], e["postal"]])
    assert _match(campaign, org, intentions=["LAB"], min_strength="4") == _names([e["labour"]])
    assert _match(campaign, org, postal_voter="yes") == _names([e["postal"]])
    assert _match(campaign, org, member="yes") == _names([e["member"]])
    # A pending (unreviewed) result does not count as canvassed.
    assert _match(campaign, org, never_canvassed=True) == _names(
        [e["never"], e["refuser"], e["riverside"]]
    )
    since = (timezone.now() - datetime.timedelta(days=30)).date().isoformat()
    assert e["postal"] in target_electors(
        campaign=campaign, filters={"not_contacted_since": since}, user=org
    )
    assert e["labour"] not in target_electors(
        campaign=campaign, filters={"not_contacted_since": since}, user=org
    )


def test_an_area_organiser_only_ever_counts_their_own_wards(campaign, users, electorate):
    mine = target_electors(campaign=campaign, filters={}, user=users[RoleCode.AREA_ORGANISER])
    assert electorate["riverside"] not in mine
    # Doors 1 and 2 had a counting result today; the pending one at door 5 does not count.
    assert target_counts(mine) == {
        "electors": 6,
        "households": 4,
        "recent": 3,
        "recent_households": 2,
        "recent_days": 14,
    }


def test_do_not_canvass_and_off_register_are_never_targeted(campaign, users, castle_a):
    street = StreetFactory(constituency=campaign.constituency, name="Quiet Lane")
    (shy,) = household(street, 1, pd=castle_a)
    shy.person.do_not_canvass = True
    shy.person.save()
    gone = ElectorFactory(on_register=False)
    matched = target_electors(campaign=campaign, filters={}, user=users[RoleCode.ORGANISER])
    assert shy not in matched and gone not in matched


def test_preview_shows_the_count_as_filters_change(client, users, campaign, electorate):
    client.force_login(users[RoleCode.ORGANISER])
    response = client.get(
        reverse("canvassing:target_preview", args=[campaign.pk]),
        {"intentions": ["LAB"]},
        headers={"HX-Request": "true"},
    )
    assert "<strong>2</strong> electors at <strong>2</strong> doors" in response.content.decode()


def test_organiser_builds_a_target_and_cuts_walk_lists_from_the_pages(
    client, users, campaign, electorate
):
    client.force_login(users[RoleCode.AREA_ORGANISER])
    response = client.post(
        reverse("canvassing:target_create", args=[campaign.pk]),
        {"name": "Labour supporters", "intentions": ["LAB"]},
    )
    target = campaign.targets.get()
    assert response.url == reverse("canvassing:target_detail", args=[target.pk])
    page = client.get(response.url).content.decode()
    assert "<strong>2</strong> electors" in page
    client.post(
        reverse("canvassing:walk_lists_cut", args=[target.pk]),
        {"polling_district": electorate["castle_a"].pk, "size": 50},
    )
    (walk_list,) = target.walk_lists.all()
    assert {e.elector for e in walk_list.entries.all()} == {
        electorate["labour"],
        electorate["postal"],
    }


def test_a_saved_segment_narrows_the_target_to_the_people_it_selects(campaign, users, electorate):
    from members.models import Segment, Tag

    e = electorate
    doorknockers = Tag.objects.create(name="Wants a visit")
    e["never"].person.tags.add(doorknockers)
    e["riverside"].person.tags.add(doorknockers)
    segment = Segment.objects.create(
        constituency=campaign.constituency,
        name="Asked for a visit",
        filters={"tags": [doorknockers.pk]},
    )
    org, area = users[RoleCode.ORGANISER], users[RoleCode.AREA_ORGANISER]
    selected = target_electors(campaign=campaign, filters={}, user=org, segment=segment)
    assert _names(selected) == _names([e["never"], e["riverside"]])
    # The segment never widens what an area organiser may see: Riverside is not theirs.
    selected = target_electors(campaign=campaign, filters={}, user=area, segment=segment)
    assert _names(selected) == _names([e["never"]])


def test_a_target_by_intention_goes_by_each_persons_latest_intention(campaign, users, electorate):
    """Found from the results' side (not a look-up per elector): a later intention replaces
    an earlier one, a later "not in" does not erase it, and its strength comes with it."""
    e = electorate
    org = users[RoleCode.ORGANISER]
    ResultFactory(campaign=campaign, elector=e["labour"], intention="CON", strength=2)
    ResultFactory(campaign=campaign, elector=e["postal"], outcome="NI")
    assert _match(campaign, org, intentions=["LAB"]) == _names([e["postal"]])
    assert _match(campaign, org, intentions=["CON"]) == _names([e["labour"], e["tory"]])
    assert _match(campaign, org, intentions=["CON"], max_strength="3") == _names([e["labour"]])


def test_contacted_recently_by_anyone_shows_on_every_page_and_can_be_left_out_of_a_cut(
    client, users, campaign, electorate
):
    """Another branch phoned door 3 two days ago: the target preview, the target page and the
    campaign page say so, and a cut can leave the door out (issue 10)."""
    from members.models import Channel
    from members.services.contacts import ContactRecord, contacts_record

    e = electorate
    contacts_record(
        [
            ContactRecord(
                person_id=e["never"].person_id,
                contacted_at=timezone.now() - datetime.timedelta(days=2),
                channel=Channel.PHONE,
                source="test.call",
                source_id="1",
                outcome="NI",
            )
        ],
        actor=None,
    )
    client.force_login(users[RoleCode.ORGANISER])
    preview = client.get(
        reverse("canvassing:target_preview", args=[campaign.pk]),
        {"polling_districts": [e["castle_a"].pk]},
        headers={"HX-Request": "true"},
    ).content.decode()
    # Doors 1 and 2 were canvassed today; door 3 was phoned.
    assert "4 of them, at 3 doors, were contacted in the last 14 days" in preview
    page = client.get(reverse("canvassing:campaign_detail", args=[campaign.pk]))
    (castle,) = page.context["progress"]["districts"]
    # Three canvassed by this campaign, one phoned by someone else: four contacted recently.
    assert (castle["code"], castle["done"], castle["recent"]) == ("CA", 4, 4)

    response = client.post(
        reverse("canvassing:target_create", args=[campaign.pk]),
        {"name": "Castle", "polling_districts": [e["castle_a"].pk]},
    )
    target = campaign.targets.get()
    assert "at 3 doors, were contacted" in client.get(response.url).content.decode()
    client.post(
        reverse("canvassing:walk_lists_cut", args=[target.pk]),
        {"polling_district": e["castle_a"].pk, "size": 50, "skip_recent": "on"},
    )
    (walk_list,) = target.walk_lists.all()
    # Only the door nobody has contacted lately: number 5 (its pending result does not count).
    assert {entry.elector for entry in walk_list.entries.all()} == {e["refuser"]}
    page = client.get(reverse("canvassing:campaign_detail", args=[campaign.pk]))
    (castle,) = page.context["progress"]["districts"]
    assert (castle["electors"], castle["recent"]) == (1, 4)
