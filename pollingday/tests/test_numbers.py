"""Reading elector numbers as tellers type them (pollingday/numbers.py)."""

import pytest

from pollingday.numbers import NumberRefused, TypedNumber, parse_number, split_batch

CODES = ["CA", "CB"]
ELSEWHERE = {"CC": "St Mary's Hall"}


def _parse(text, chosen="CA", codes=CODES):
    return parse_number(text, codes=codes, chosen=chosen, elsewhere=ELSEWHERE)


@pytest.mark.parametrize(
    ("typed", "number", "suffix"),
    [
        ("888", 888, 0),
        ("888/1", 888, 1),
        ("888.1", 888, 1),
        ("CA888", 888, 0),
        ("CA-888", 888, 0),
        ("CA/888", 888, 0),
        ("CA-888/1", 888, 1),
        ("CA888.1", 888, 1),
        ("CA/888/1", 888, 1),
        ("ca888", 888, 0),
        ("ca-888/1", 888, 1),
        (" CA 888 ", 888, 0),
        ("CA 888 / 1", 888, 1),
        ("8 8 8", 888, 0),
    ],
)
def test_every_form_a_teller_types_is_understood(typed, number, suffix):
    assert _parse(typed) == TypedNumber("CA", number, suffix)


def test_a_bare_number_goes_to_the_district_the_teller_chose():
    assert _parse("12", chosen="CB") == TypedNumber("CB", 12, 0)
    assert _parse("12", chosen="cb") == TypedNumber("CB", 12, 0)
    # A typed prefix wins over the choice.
    assert _parse("CA12", chosen="CB") == TypedNumber("CA", 12, 0)


def test_a_station_with_one_district_needs_no_choice():
    assert parse_number("12", codes=["RA"]) == TypedNumber("RA", 12, 0)


def test_a_bare_number_at_a_station_of_several_districts_with_no_choice_asks_which():
    with pytest.raises(NumberRefused, match="Which district is 12 in\\? Choose CA or CB"):
        _parse("12", chosen=None)


def test_a_district_at_another_station_says_where_it_votes():
    with pytest.raises(NumberRefused) as refused:
        _parse("CC12")
    assert refused.value.message == (
        "CC is not a district at this station: it votes at St Mary's Hall. Here: CA, CB."
    )


def test_an_unknown_district_is_refused_with_the_station_s_districts():
    with pytest.raises(NumberRefused, match="^AB is not a district at this station. Here: CA, CB"):
        _parse("AB888")
    with pytest.raises(NumberRefused, match="^AB is not a district"):
        _parse("ab-888/1")


def test_codes_ending_in_digits_are_read_whole():
    assert parse_number("AB1888", codes=["AB1"]) == TypedNumber("AB1", 888, 0)
    assert parse_number("AB1-888", codes=["AB1", "AB"]) == TypedNumber("AB1", 888, 0)
    assert parse_number("AB-888", codes=["AB1", "AB"]) == TypedNumber("AB", 888, 0)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "Type a number, e.g. 888 or CA888."),
        ("   ", "Type a number, e.g. 888 or CA888."),
        ("hello", "“hello” is not an elector number. Type a number, e.g. 888 or CA888."),
        ("CA", "“CA” is not an elector number."),
        ("888//1", "“888//1” is not an elector number."),
        ("88-8", "“88-8” is not an elector number."),
        ("0", "“0”: elector numbers start at 1."),
        ("07700900123", "“07700900123” is too long for an elector number."),
        ("888/12345", "“888/12345” is too long for an elector number."),
        ("£888", "“£888” is not an elector number."),
    ],
)
def test_what_is_not_a_number_is_refused_with_words(typed, words):
    with pytest.raises(NumberRefused) as refused:
        _parse(typed)
    assert refused.value.message.startswith(words)


def test_something_that_is_not_text_is_refused():
    with pytest.raises(NumberRefused, match="Type a number"):
        _parse(888)
    with pytest.raises(NumberRefused, match="Type a number"):
        _parse(None)


def test_a_pasted_list_is_split_into_numbers():
    pasted = "888\nCA 889, CB-12/1; 13 14\t\r\nAB 5\n\n  ca-7.1  \n"
    assert split_batch(pasted) == ["888", "CA889", "CB-12/1", "13", "14", "AB5", "ca-7.1"]


def test_a_pasted_list_keeps_a_stray_word_so_the_teller_is_told_about_it():
    assert split_batch("12\nCA\n") == ["12", "CA"]
    assert split_batch("") == []
    assert split_batch(None) == []
