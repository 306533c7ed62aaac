"""The shared database's models, one module per concern (Django finds them through here):

- `geography`: constituency, wards, branches, polling districts and stations, streets, properties.
- `people`: register editions, tags, people with emails and phones, electors, memberships,
  segments.
- `imports`: saved layouts, import batches, member matches, suppressions.
- `consent`: the Telephone Preference Service list.
- `elections`: elections, absent (postal and proxy) voters, vote history.
- `contacts`: the vocabulary (intentions, outcomes, channels, review), the question bank,
  contacts, answers and contact summaries.
"""

from members.models.consent import TpsList, TpsNumber
from members.models.contacts import (
    DOOR_OUTCOMES,
    KNOCK_UP_OUTCOMES,
    PHONE_OUTCOMES,
    SPOKE_OUTCOMES,
    STRENGTHS,
    Answer,
    Channel,
    Contact,
    ContactSummary,
    Intention,
    Outcome,
    Question,
    Review,
)
from members.models.elections import (
    POLLS_CLOSE,
    POLLS_OPEN,
    AbsentVoter,
    Election,
    VoteMethod,
    VoteRecord,
)
from members.models.geography import (
    LINK_CHECKED_BY_DJANGO,
    RETIRED_HELP,
    Branch,
    Constituency,
    GeographyQuerySet,
    PollingDistrict,
    PollingStation,
    Property,
    Street,
    Ward,
)
from members.models.imports import ImportBatch, MemberMatch, SavedLayout, Suppression
from members.models.people import (
    ConsentState,
    ContactEmail,
    ContactPhone,
    Elector,
    Membership,
    Person,
    RegisterEdition,
    Segment,
    Tag,
)

__all__ = [
    "POLLS_CLOSE",
    "POLLS_OPEN",
    "AbsentVoter",
    "Election",
    "VoteMethod",
    "VoteRecord",
    "KNOCK_UP_OUTCOMES",
    "SPOKE_OUTCOMES",
    "TpsList",
    "TpsNumber",
    "LINK_CHECKED_BY_DJANGO",
    "RETIRED_HELP",
    "STRENGTHS",
    "Answer",
    "Branch",
    "Channel",
    "ConsentState",
    "Constituency",
    "Contact",
    "ContactEmail",
    "ContactPhone",
    "ContactSummary",
    "Elector",
    "GeographyQuerySet",
    "ImportBatch",
    "Intention",
    "MemberMatch",
    "Membership",
    "Outcome",
    "DOOR_OUTCOMES",
    "PHONE_OUTCOMES",
    "Person",
    "PollingDistrict",
    "PollingStation",
    "Property",
    "Question",
    "RegisterEdition",
    "Review",
    "SavedLayout",
    "Segment",
    "Street",
    "Suppression",
    "Tag",
    "Ward",
]
