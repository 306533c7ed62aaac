"""Bridged calls: the party's telephony provider rings the caller, then connects them to the
voter, so the caller's own number is hidden from the voter and the voter's from the caller.

Switched by the PHONEBANK_TELEPHONY setting (off by default: callers dial with a tel: link).
A provider is a class with `bridge(caller_number, voter_number, reference) -> str` returning
the provider's id for the call. `LocalBridge` is the working local one: it places no real call
and keeps what it was asked, for tests and for trying the flow.
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class BridgeFailed(Exception):
    """The provider could not connect the call; the message says why, for the caller."""


@dataclass(frozen=True)
class Bridged:
    caller_number: str
    voter_number: str
    reference: str
    provider_id: str


class LocalBridge:
    placed: list[Bridged] = []

    def bridge(self, *, caller_number: str, voter_number: str, reference: str) -> str:
        provider_id = f"local-{len(self.placed) + 1}"
        self.placed.append(Bridged(caller_number, voter_number, reference, provider_id))
        return provider_id


PROVIDERS = {"local": "phonebank.telephony.LocalBridge"}


@cache
def _provider_class(name: str):
    return import_string(PROVIDERS.get(name, name))


def telephony_provider():
    """The configured provider, or None when calls are dialled by the caller's own phone."""
    name = settings.PHONEBANK_TELEPHONY
    return _provider_class(name)() if name else None
