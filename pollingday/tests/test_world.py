from pollingday.services.telling import station_districts_for
from pollingday.tests.factories import LABOUR, add_electors


def test_the_test_world_has_stations_serving_their_districts(world):
    electors = add_electors(world.districts["CA"], 3, intention=LABOUR, strength=5)
    castle = world.stations["Castle School"]
    assert sorted(station_districts_for(world.election, castle).codes) == ["CA", "CB"]
    assert electors[0].person.contact_summary.intention == LABOUR
