import pytest

from pollingday.tests.factories import election_today


@pytest.fixture
def world(geography):
    """An election today over Castle ward (CA, CB at Castle School; CC at St Mary's Hall) and
    RA (Riverside Library), with no electors yet: add them with factories.add_electors."""
    return election_today(geography)
