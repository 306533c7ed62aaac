from django.db import models

from clp.models import TimeStampedModel


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


class Ward(TimeStampedModel):
    PERSONAL_DATA = False

    constituency = models.ForeignKey(Constituency, on_delete=models.PROTECT, related_name="wards")
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=12, blank=True)

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

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "branches"
        constraints = [
            models.UniqueConstraint(fields=["constituency", "name"], name="branch_name_unique")
        ]

    def __str__(self):
        return self.name


class PollingDistrict(TimeStampedModel):
    """A polling district, known by its code (e.g. "AB"), inside one ward."""

    PERSONAL_DATA = False

    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="polling_districts"
    )
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="polling_districts")
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "code"], name="pd_code_unique")
        ]

    def __str__(self):
        return f"{self.code} {self.name}".strip()
