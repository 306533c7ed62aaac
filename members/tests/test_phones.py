import pytest

from members.models import ContactPhone
from members.phones import PhoneNumberRefused, phone_kind, phone_normalise


@pytest.mark.parametrize(
    "written, e164",
    [
        ("07700 900123", "+447700900123"),
        ("+44 (0)7700 900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("44 7700900123", "+447700900123"),
        ("+447700900123", "+447700900123"),
        ("7700900123", "+447700900123"),  # a spreadsheet dropped the leading 0
        ("07700\t900\t123", "+447700900123"),
        ("07700.900.123", "+447700900123"),
        ("\u00a007700\u2013900\u2013123 ", "+447700900123"),
        ("(020) 7946 0000", "+442079460000"),
        ("020-7946-0000", "+442079460000"),
        ("+44 20 7946 0000", "+442079460000"),
        ("0044 (0) 20 7946 0000", "+442079460000"),
        ("020/7946 0000", "+442079460000"),
        ("01632 960001", "+441632960001"),
        ("0113 496 0000", "+441134960000"),
        ("07911 123456", "+447911123456"),
        ("+1 202 555 0143", "+12025550143"),
    ],
)
def test_every_way_a_number_is_written_reads_as_one_number(written, e164):
    assert phone_normalise(written) == e164


@pytest.mark.parametrize(
    "written, says",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("12", "too short"),
        ("07700 90012", "too short"),
        ("077009001234", "too long"),
        ("0770O 900123", "letters"),
        ("call after 6", "letters"),
        ("07700 900123 ext 4", "letters"),
        ("09999 999999", "not a phone number in use"),
        ("1234567890123456", "too long"),
    ],
)
def test_a_bad_number_is_refused_saying_why(written, says):
    with pytest.raises(PhoneNumberRefused) as refused:
        phone_normalise(written)
    assert says in str(refused.value)
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize(
    "e164, kind",
    [
        ("+447700900123", ContactPhone.Kind.MOBILE),
        ("+447911123456", ContactPhone.Kind.MOBILE),
        ("+442079460000", ContactPhone.Kind.LANDLINE),
        ("+441632960001", ContactPhone.Kind.LANDLINE),
        ("+448001234567", ContactPhone.Kind.UNKNOWN),  # freephone
        ("+447654321098", ContactPhone.Kind.UNKNOWN),  # a pager, or nothing
    ],
)
def test_phone_kind_tells_mobiles_from_landlines(e164, kind):
    assert phone_kind(e164) == kind
