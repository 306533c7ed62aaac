"""The file layouts we recognise from their headers, and column mappings for the rest."""

import hashlib
import re
from dataclasses import dataclass

from members.importers import FileProblem


def norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def header_signature(header: list[str]) -> str:
    return hashlib.sha256("|".join(norm(h) for h in header).encode()).hexdigest()


# Our field names, per kind of import, with what an organiser sees on the mapping screen.
FIELDS = {
    "register": {
        "pd": "Polling district code",
        "number": "Elector number",
        "suffix": "Elector number suffix",
        "elector_number": "Full elector number (e.g. AB-12/1)",
        "markers": "Markers / franchise",
        "dob": "Date of birth or attainment",
        "title": "Title",
        "surname": "Surname",
        "forenames": "Forenames",
        "name": "Full name (surname first)",
        "postcode": "Postcode",
        **{f"address{i}": f"Address line {i}" for i in range(1, 10)},
        "uprn": "UPRN",
    },
    "members": {
        "membership_number": "Membership number",
        "title": "Title",
        "forenames": "First name",
        "surname": "Last name",
        "email": "Email",
        "mobile": "Mobile phone",
        "phone": "Landline phone",
        "status": "Membership status",
        "branch": "Branch",
        "joined": "Joined on",
        "lapsed": "Lapsed on",
        "arrears": "In arrears",
        "dob": "Date of birth",
        "postcode": "Postcode",
        **{f"address{i}": f"Address line {i}" for i in range(1, 7)},
        "email_consent": "Email consent",
        "phone_consent": "Phone consent",
    },
}
FIELDS["update"] = {
    "change": "Change type (N/M/D or +/-/=)",
    "created": "Created month",
    "changed": "Changed month",
    "deleted": "Deleted month",
    **FIELDS["register"],
}
FIELDS["addresses"] = {
    **{f"address{i}": f"Address line {i}" for i in range(1, 7)},
    "postcode": "Postcode",
    "uprn": "UPRN",
    "pd": "Polling district code",
    "station_id": "Polling station id",
    "station_name": "Polling station name",
    **{f"station_address{i}": f"Polling station address line {i}" for i in range(1, 7)},
    "station_postcode": "Polling station postcode",
}
REQUIRED = {
    "register": [
        ("pd", "number", "surname"),
        ("elector_number", "surname"),
        ("pd", "number", "name"),
        ("elector_number", "name"),
    ],
    "members": [("membership_number", "surname")],
    "update": [
        ("elector_number", "surname", "change"),
        ("elector_number", "surname", "deleted"),
        ("pd", "number", "surname", "change"),
    ],
    "addresses": [
        ("address1", "pd"),
        ("address1", "station_id"),
        # Idox Eros's address in parts; a stations file (no properties at all).
        ("street_name", "station_id"),
        ("station_id", "station_name"),
    ],
}


@dataclass(frozen=True)
class Layout:
    name: str
    kind: str
    # our field → the file's header (normalised with norm())
    columns: dict[str, str]
    # headers that must all be present for this layout to be recognised
    signature: tuple[str, ...]


def _addresses(prefix: str, count: int, start: int = 1) -> dict[str, str]:
    return {f"address{i}": f"{prefix}{i + start - 1}" for i in range(1, count + 1)}


def _station_address(prefix: str, count: int) -> dict[str, str]:
    return {f"station_address{i}": f"{prefix}{i}" for i in range(1, count + 1)}


# Idox Eros's second address export gives the property's address in parts, in this order.
ADDRESS_PARTS = (
    "house_name",
    "house_number",
    "sub_street_name",
    "street_number",
    "street_name",
    "locality",
    "town",
)

XPRESS_BASE = {
    "pd": "electornumberprefix",
    "number": "electornumber",
    "suffix": "electornumbersuffix",
    "markers": "electormarkers",
    "dob": "electordob",
    "postcode": "postcode",
    **_addresses("address", 6),
}

LAYOUTS = [
    Layout(
        "Xpress register (14 columns)",
        "register",
        {**XPRESS_BASE, "surname": "electorsurname", "forenames": "electorforename"},
        ("electornumberprefix", "electornumber", "electorsurname", "electorforename"),
    ),
    Layout(
        "Xpress register (13 columns)",
        "register",
        {**XPRESS_BASE, "name": "electorname"},
        ("electornumberprefix", "electornumber", "electorname"),
    ),
    Layout(
        "Idox/Halarose register (pp50)",
        "register",
        {
            "pd": "pd",
            "number": "eno",
            "suffix": "suffix",
            "title": "title",
            "forenames": "firstname",
            "surname": "surname",
            "dob": "dateofattainment",
            "markers": "franchiseflag",
            "postcode": "postcode",
            "uprn": "uprn",
            **_addresses("address", 9),
        },
        ("pd", "eno", "surname", "firstname"),
    ),
    Layout(
        "Bedford-style register (pd export)",
        "register",
        {
            "pd": "pdcode",
            "number": "rollno",
            "title": "electortitle",
            "surname": "electorsurname",
            "forenames": "electorforename",
            "dob": "attainersdob",
            "markers": "franchisemarker",
            "postcode": "postcode",
            **_addresses("registeredaddress", 6),
        },
        ("pdcode", "rollno", "electorsurname"),
    ),
    Layout(
        "Xpress monthly update (23 columns)",
        "update",
        {
            "elector_number": "electornumber",
            "forenames": "electorforename",
            "surname": "electorsurname",
            "dob": "electordob",
            "markers": "markersregistertext",
            "postcode": "propertypostcode",
            "created": "electorcreatedmonth",
            "changed": "electorchangedmonth",
            "deleted": "electordeletedmonth",
            "current": "currentregistermonth",
            **_addresses("propertyaddress", 5),
        },
        ("electornumber", "electorcreatedmonth", "electordeletedmonth"),
    ),
    Layout(
        "Idox/Halarose monthly update (pp50)",
        "update",
        {
            "change": "status",
            "pd": "pd",
            "number": "eno",
            "suffix": "suffix",
            "title": "title",
            "forenames": "firstname",
            "surname": "surname",
            "dob": "dateofattainment",
            "markers": "franchiseflag",
            "postcode": "postcode",
            "uprn": "uprn",
            **_addresses("address", 9),
        },
        ("pd", "eno", "surname", "registercode"),
    ),
    Layout(
        "Bedford-style monthly update",
        "update",
        {
            "change": "changetypeid",
            "pd": "pdcode",
            "number": "rollno",
            "title": "electortitle",
            "surname": "electorsurname",
            "forenames": "electorforename",
            "dob": "attainersdob",
            "markers": "franchisemarker",
            "postcode": "postcode",
            **_addresses("registeredaddress", 6),
        },
        ("changetypeid", "pdcode", "rollno"),
    ),
    Layout(
        "Xpress Democracy Club address export",
        "addresses",
        {
            "address1": "addressline1",
            "address2": "addressline2",
            "address3": "addressline3",
            "address4": "addressline4",
            "address5": "addressline5",
            "postcode": "addressline6",
            "uprn": "propertyurn",
            "pd": "pollingplacedistrictreference",
            "station_id": "pollingplaceid",
            # The name has its own column; the address starts at Polling_Place_Address_1.
            "station_name": "pollingplacename",
            **_station_address("pollingplaceaddress", 4),
            "station_postcode": "pollingplacepostcode",
            "station_uprn": "pollingplaceuprn",
        },
        ("electiondate", "pollingplacedistrictreference", "propertyurn"),
    ),
    Layout(
        "Xpress WebLookup address export",
        "addresses",
        {
            "address1": "propertynumber",
            "address2": "streetname",
            "postcode": "postcode",
            "uprn": "uprn",
            "pd": "pollingdistrictreference",
            "station_id": "pollingplaceid",
            # No name column: the station is known by its address (postcode in line 7).
            **_station_address("pollingplaceaddress", 6),
            "station_postcode": "pollingplaceaddress7",
        },
        ("authoritycode", "pollingdistrictreference", "pollingplaceid"),
    ),
    Layout(
        "Idox Eros/Halarose address export",
        "addresses",
        {
            **_addresses("addressline", 5),
            "postcode": "postcode",
            "uprn": "uprn",
            "pd": "pollingdistrictid",
            "station_id": "pollingvenueid",
            "station_name": "pollingstationname",
            **_station_address("pollingstationaddress", 5),
            "station_postcode": "pollingstationpostcode",
            "station_uprn": "pollingvenueuprn",
        },
        ("houseid", "pollingvenueid", "pollingstationname"),
    ),
    # The address in parts and no district column: each property's district is the one its
    # polling station serves (addresses_import works it out, or asks).
    Layout(
        "Idox Eros/Halarose address export (address in parts)",
        "addresses",
        {
            **{part: part.replace("_", "") for part in ADDRESS_PARTS},
            "postcode": "housepostcode",
            "uprn": "uprn",
            "station_id": "pollingstationnumber",
            "station_name": "pollingstationname",
            **_station_address("pollingstationaddress", 5),
            "station_postcode": "pollingstationpostcode",
        },
        ("houseid", "housepostcode", "streetname", "pollingstationname"),
    ),
    Layout(
        "Democracy Counts address export",
        "addresses",
        {
            **_addresses("add", 6),
            "postcode": "postcode",
            "uprn": "uprn",
            "station_id": "stationcode",
            "station_name": "placename",
            "pd": "pollingdistrict",
        },
        ("xordinate", "stationcode", "uprn"),
    ),
    # Democracy Counts sends its stations as a second file: no UPRN, no properties.
    Layout(
        "Democracy Counts stations file",
        "addresses",
        {
            "station_id": "stationcode",
            "station_name": "placename",
            **_station_address("add", 6),
            "station_postcode": "postcode",
        },
        ("xordinate", "stationcode", "placename", "pollingstationid"),
    ),
    Layout(
        "Party membership list",
        "members",
        {
            "membership_number": "membershipnumber",
            "title": "title",
            "forenames": "firstname",
            "surname": "lastname",
            "email": "email",
            "mobile": "mobile",
            "phone": "telephone",
            "status": "status",
            "branch": "branch",
            "joined": "joined",
            "lapsed": "lapsedate",
            "arrears": "arrears",
            "dob": "dateofbirth",
            "postcode": "postcode",
            **_addresses("address", 6),
            "email_consent": "emailconsent",
            "phone_consent": "phoneconsent",
        },
        ("membershipnumber", "lastname"),
    ),
]


@dataclass
class Resolved:
    """A layout applied to one file's header: our field → column index (0-based)."""

    name: str
    columns: dict[str, int]
    headers: list[str]
    kind: str = ""

    def column_label(self, field: str) -> str:
        index = self.columns[field]
        return f"column {index + 1} ({self.headers[index]})"


def recognise(kind: str, header: list[str]) -> Resolved | None:
    """The known layout this header belongs to, or None (→ the mapping screen)."""
    normalised = [norm(h) for h in header]
    # Xpress DC exports and Democracy Counts name the district column in several ways.
    for layout in LAYOUTS:
        if layout.kind != kind:
            continue
        if not all(s in normalised for s in layout.signature):
            continue
        columns = {}
        for field, wanted in layout.columns.items():
            if wanted in normalised:
                columns[field] = normalised.index(wanted)
        if kind == "addresses" and "pd" not in columns:
            for alt in (
                "pollingdistrict",
                "pollingdistrictname",
                "pollingdistrictcode",
                "district",
            ):
                if alt in normalised:
                    columns["pd"] = normalised.index(alt)
                    break
        return Resolved(layout.name, columns, header, layout.kind)
    return None


def identify(header: list[str]) -> Resolved | None:
    """The known layout of any kind this header fits best, or None. An Idox monthly update
    also has every column of an Idox register: the layout that finds more of the file's
    columns is the one the file is."""
    found = [r for kind in FIELDS if (r := recognise(kind, header)) is not None]
    return max(found, key=lambda r: len(r.columns), default=None)


# Headers councils and parties use for our fields beyond the known layouts' (normalised).
SYNONYMS = {
    "pd": ("pd", "district", "pollingdistrict", "pollingdistrictcode", "pdcode", "prefix"),
    "number": ("no", "number", "eno", "electorno", "electornumber", "rollno", "rollnumber"),
    "suffix": ("suffix", "electornumbersuffix"),
    "elector_number": ("electornumber", "fullelectornumber", "pdno"),
    "markers": ("markers", "marker", "franchise", "franchiseflag", "flags"),
    "dob": ("dob", "dateofbirth", "birthdate", "dateofattainment", "attainmentdate"),
    "title": ("title", "salutation"),
    "surname": ("surname", "lastname", "familyname"),
    "forenames": ("forenames", "forename", "firstname", "firstnames", "givennames", "givenname"),
    "name": ("name", "fullname", "electorname"),
    "postcode": ("postcode", "postalcode", "pcode", "zip"),
    "address1": ("address", "address1", "addressline1", "house", "houseaddress", "line1"),
    "uprn": ("uprn", "propertyurn"),
    "email": ("email", "emailaddress"),
    "mobile": ("mobile", "mobilephone", "mobilenumber", "cell"),
    "phone": ("phone", "telephone", "landline", "phonenumber"),
    "membership_number": ("membershipnumber", "membershipno", "memberno", "membernumber"),
    "station_id": ("stationid", "stationcode", "pollingstationid", "pollingplaceid"),
    "station_name": ("stationname", "pollingstationname", "pollingplacename", "placename"),
    "change": ("change", "changetype", "changetypeid", "status"),
}


def guess_mapping(kind: str, header: list[str]) -> dict[str, str]:
    """Our field → the column of `header` most likely to hold it, for the mapping screen to
    start from: a header a known layout uses for that field, or a usual name for it. Each
    column is guessed for one field at most."""
    wanted: dict[str, list[str]] = {field: [] for field in FIELDS[kind]}
    for field in wanted:
        wanted[field].extend(SYNONYMS.get(field, ()))
        wanted[field].append(norm(field))
        wanted[field].append(norm(FIELDS[kind][field]))
        if field.startswith("address") and field[7:].isdigit():
            wanted[field].extend((f"addressline{field[7:]}", f"line{field[7:]}"))
    for layout in LAYOUTS:
        for field, column in layout.columns.items():
            if field in wanted:
                wanted[field].append(column)
    normalised = [norm(h) for h in header]
    guesses: dict[str, str] = {}
    used: set[int] = set()
    for field, names in wanted.items():
        for name in names:
            if name in normalised and normalised.index(name) not in used:
                index = normalised.index(name)
                guesses[field] = header[index]
                used.add(index)
                break
    return guesses


def required_fields(kind: str, guesses: dict[str, str]) -> tuple[str, ...]:
    """The fields to mark as needed on the mapping screen: the set of REQUIRED[kind] that the
    guesses already come closest to (the first set when they fit none better)."""
    options = REQUIRED.get(kind, [])
    if not options:
        return ()
    return max(options, key=lambda option: sum(f in guesses for f in option) / len(option))


def from_mapping(kind: str, header: list[str], mapping: dict[str, str], name: str) -> Resolved:
    """Apply an organiser's mapping (our field → their header text)."""
    columns = {}
    for field, column in mapping.items():
        if not column:
            continue
        if column not in header:
            raise FileProblem(f"The mapping uses a column “{column}” that this file does not have.")
        columns[field] = header.index(column)
    check_required(kind, columns)
    return Resolved(name, columns, header)


def check_required(kind: str, columns: dict[str, int]) -> None:
    options = REQUIRED.get(kind)
    if options and not any(all(f in columns for f in option) for option in options):
        labels = FIELDS[kind]
        wanted = " or ".join("+".join(labels.get(f, f) for f in option) for option in options[:2])
        raise FileProblem(f"The file needs columns for: {wanted}.")
