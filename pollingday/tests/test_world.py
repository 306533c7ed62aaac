from pollingday.access import station_districts
from pollingday.tests.factories import LABOUR, add_electors


def test_the_test_world_has_stations_serving_their_districts(world):
    electors = add_electors(world.districts["CA"], 3, intention=LABOUR, strength=5)
    castle = world.stations["Castle School"]
    assert sorted(station_districts(world.election, castle).values_list("code", flat=True)) == [
        "CA",
        "CB",
    ]
    assert electors[0].person.contact_summary.intention == LABOUR
