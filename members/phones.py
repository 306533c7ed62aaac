"""Phone numbers: every way a UK number gets written, read as one E.164 string.

Imports (membership lists, phone lists, the TPS list), forms and the phone bank all store and
compare numbers in E.164 (+447700900123), so that the same number written two ways is one
number, and a number on the TPS list is found whatever the spreadsheet did to it.
"""

import re

import phonenumbers

from members.models import ContactPhone


class PhoneNumberRefused(ValueError):
    """Not a phone number we can dial; the message says why, for a volunteer."""


# Ofcom keeps these ranges for TV and radio drama: they are never anyone's number, so tests,
# demos and training use them; phonenumbers calls them invalid.
_DRAMA_RANGES = {
    "+447700900": ContactPhone.Kind.MOBILE,
    "+441632960": ContactPhone.Kind.LANDLINE,
    "+441154960": ContactPhone.Kind.LANDLINE,
}
# Spaces of every width, tabs, dots, dashes of every length and slashes separate digit groups.
_SEPARATORS = re.compile(r"[\s.\u2010-\u2015\u2212/_]+")
_LETTERS = re.compile(r"[^\W\d_]")
_KINDS = {
    phonenumbers.PhoneNumberType.MOBILE: ContactPhone.Kind.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE: ContactPhone.Kind.LANDLINE,
}


def _drama_kind(e164: str) -> str | None:
    if len(e164) == 13:
        for prefix, kind in _DRAMA_RANGES.items():
            if e164.startswith(prefix):
                return kind
    return None


def phone_normalise(raw: str) -> str:
    """`raw` as E.164: "07700 900123", "+44 (0)7700 900123", "0044 7700 900123",
    "44 7700900123", "7700900123" (a spreadsheet dropped the 0), "(020) 7946 0000" … all
    read as UK numbers unless they start with + or 00 and another country's code.

    Raises PhoneNumberRefused when it is empty, has letters, is too short or too long, or is
    not a number in use anywhere (phonenumbers' metadata)."""
    text = (raw or "").strip()
    if not text:
        raise PhoneNumberRefused("The phone number is empty.")
    text = _SEPARATORS.sub(" ", text)
    # "ext 12", "mob", "O" for 0: a caller cannot dial letters, and guessing them is worse.
    if _LETTERS.search(text):
        raise PhoneNumberRefused(f"“{raw.strip()}” has letters in it: write the number in digits.")
    digits = re.sub(r"\D", "", text)
    if len(digits) < 9:
        raise PhoneNumberRefused(
            f"“{raw.strip()}” is too short for a phone number: a UK number has 10 or 11 digits."
        )
    if len(digits) > 15:
        raise PhoneNumberRefused(f"“{raw.strip()}” is too long for a phone number.")
    try:
        parsed = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        raise PhoneNumberRefused(f"“{raw.strip()}” is not a phone number.") from None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(parsed) or _drama_kind(e164):
        return e164
    if parsed.country_code == 44:
        length = len(str(parsed.national_number))
        if length < 10:
            raise PhoneNumberRefused(
                f"“{raw.strip()}” is too short: a UK number has 11 digits starting with 0 "
                "(a few areas have 10)."
            )
        if length > 10:
            raise PhoneNumberRefused(
                f"“{raw.strip()}” is too long: a UK number has 11 digits starting with 0."
            )
    raise PhoneNumberRefused(
        f"“{raw.strip()}” is not a phone number in use: check it for a mistyped digit."
    )


def phone_kind(e164: str) -> str:
    """Mobile, landline or unknown (pagers, personal numbers, numbers that may be either)."""
    drama = _drama_kind(e164)
    if drama:
        return drama
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ContactPhone.Kind.UNKNOWN
    return _KINDS.get(phonenumbers.number_type(parsed), ContactPhone.Kind.UNKNOWN)
