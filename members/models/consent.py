"""The Telephone Preference Service list: numbers whose owners asked not to get unsolicited
calls. Calls skip them unless consent is recorded for that number (members/consent.py)."""

from django.db import models


class TpsNumber(models.Model):
    """One number of the TPS list in force, in E.164. The whole table is the latest list."""

    PERSONAL_DATA = False  # a public suppression list, not about anyone in our database

    number = models.CharField(max_length=20, primary_key=True)

    def __str__(self):
        return self.number


class TpsList(models.Model):
    """One import of the TPS list: the file's date, when it was imported and what it held."""

    PERSONAL_DATA = False

    file_date = models.DateField(help_text="The date the list was published.")
    source = models.CharField(max_length=300, help_text="The file it was read from.")
    imported_at = models.DateTimeField(auto_now_add=True)
    numbers = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        "clp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The file as it was when read: the nightly refresh skips a file that has not changed.
    file_size = models.BigIntegerField(null=True, blank=True)
    file_modified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-imported_at"]
        get_latest_by = "imported_at"

    def __str__(self):
        return f"TPS list of {self.file_date:%-d %b %Y}, {self.numbers:,} numbers"
