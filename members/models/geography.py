"""Geography: the constituency, its wards, branches, polling districts and stations, streets
and properties (addresses)."""

from django.db import models
from django.db.models import Q

from clp.models import TimeStampedModel

# Links an import writes 100,000 times to rows the application never deletes: reference
# tables set up once (constituency, polling district, register edition, street), addresses
# (property) and people (erasure anonymises a person; a merge marks it merged). Django still
# enforces on_delete (PROTECT refuses, SET_NULL clears) for every ORM delete; the database
# does not check them too, as it would run one check per row per link at commit (measured:
# about half of a 100,000-row import's time before these links were left to Django; see
# members/README.md). Links other apps make to people and electors stay checked by the
# database.
LINK_CHECKED_BY_DJANGO = {"db_constraint": False}


class Constituency(TimeStampedModel):
    """The top of the geography tree: one CLP. A deployment may host several."""

    PERSONAL_DATA = False

    name = models.CharField(max_length=120, unique=True)
    code = models.CharField(max_length=12, blank=True, help_text="ONS code, e.g. E14001234.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "constituencies"

    def __str__(self):
        return self.name


class GeographyQuerySet(models.QuerySet):
    def in_use(self):
        """Not retired: what pickers and new work offer."""
        return self.filter(retired_on__isnull=True)


# Wards, branches, districts and stations are retired, never deleted: electors, history and
# grants point at them. A retired one keeps its records and stops appearing in pickers.
RETIRED_HELP = "The day it stopped being used; it then leaves every picker. Never deleted."


class Ward(TimeStampedModel):
    PERSONAL_DATA = False

    constituency = models.ForeignKey(Constituency, on_delete=models.PROTECT, related_name="wards")
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=12, blank=True)
    retired_on = models.DateField(null=True, blank=True, help_text=RETIRED_HELP)

    objects = GeographyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "name"], name="ward_name_unique")
        ]

    def __str__(self):
        return self.name


class Branch(TimeStampedModel):
    """A local party branch, covering one or more wards."""

    PERSONAL_DATA = False

    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="branches"
    )
    name = models.CharField(max_length=120)
    wards = models.ManyToManyField(Ward, related_name="branches", blank=True)
    retired_on = models.DateField(null=True, blank=True, help_text=RETIRED_HELP)

    objects = GeographyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "branches"
        constraints = [
            models.UniqueConstraint(fields=["constituency", "name"], name="branch_name_unique")
        ]

    def __str__(self):
        return self.name


class PollingDistrict(TimeStampedModel):
    """A polling district, known by its code (e.g. "AB"), inside one ward.

    The ward may be left empty when a district is created from a council file and set later:
    until then only CLP-wide grants cover the district."""

    PERSONAL_DATA = False

    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="polling_districts"
    )
    ward = models.ForeignKey(
        Ward,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="polling_districts",
    )
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=120, blank=True)
    polling_station = models.ForeignKey(
        "PollingStation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="polling_districts",
    )
    retired_on = models.DateField(null=True, blank=True, help_text=RETIRED_HELP)

    objects = GeographyQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "code"], name="pd_code_unique")
        ]

    def __str__(self):
        return f"{self.code} {self.name}".strip()


class PollingStation(TimeStampedModel):
    """Where the electors of one or more polling districts vote."""

    PERSONAL_DATA = False

    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="polling_stations"
    )
    code = models.CharField(max_length=30, blank=True, help_text="The council's station id.")
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    uprn = models.CharField(max_length=12, blank=True, db_index=True)
    retired_on = models.DateField(null=True, blank=True, help_text=RETIRED_HELP)

    objects = GeographyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Street(TimeStampedModel):
    PERSONAL_DATA = False

    constituency = models.ForeignKey(Constituency, on_delete=models.PROTECT, related_name="streets")
    name = models.CharField(max_length=200)
    town = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name", "town"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "name", "town"], name="street_unique")
        ]

    def __str__(self):
        return f"{self.name}, {self.town}" if self.town else self.name


class Property(TimeStampedModel):
    """An address: the people living at one property make a household.

    `address_key` (normalised address lines + postcode) identifies the property on re-import
    when the council gives no UPRN. `house_number`, `house_suffix` and `flat` order walk lists.
    """

    PERSONAL_DATA = False

    # Indexed by the unique (constituency, address_key) constraint below. Links to the
    # reference tables (constituency, district, street) are kept by Django, not the database:
    # see LINK_CHECKED_BY_DJANGO above.
    constituency = models.ForeignKey(
        Constituency,
        on_delete=models.PROTECT,
        related_name="properties",
        db_index=False,
        **LINK_CHECKED_BY_DJANGO,
    )
    polling_district = models.ForeignKey(
        PollingDistrict,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="properties",
        **LINK_CHECKED_BY_DJANGO,
    )
    street = models.ForeignKey(
        Street,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="properties",
        db_index=False,  # walk lists reach streets from addresses, never the other way
        **LINK_CHECKED_BY_DJANGO,
    )
    address_key = models.CharField(max_length=255)
    address_lines = models.JSONField(default=list, help_text="Address lines without the postcode.")
    postcode = models.CharField(max_length=10, blank=True)
    uprn = models.CharField(max_length=12, blank=True, help_text="No leading zeros.")
    house_number = models.PositiveIntegerField(null=True, blank=True)
    house_suffix = models.CharField(max_length=10, blank=True)
    flat = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name_plural = "properties"
        constraints = [
            models.UniqueConstraint(
                fields=["constituency", "address_key"], name="property_key_unique"
            )
        ]
        # Plain b-tree indexes for exact matches (a field's db_index would add a second,
        # LIKE-pattern index on Postgres that no query uses and every import pays for).
        indexes = [
            models.Index(fields=["postcode"], name="property_postcode"),
            # Registers carry no UPRN: only the council's address exports fill it in.
            models.Index(fields=["uprn"], name="property_uprn", condition=~Q(uprn="")),
        ]

    def __str__(self):
        return ", ".join([*self.address_lines, self.postcode]).strip(", ")
