"""The figures on polling day's boards: the committee-room board (per district: promises, voted,
still to knock, runners out; per station: the last teller's entry) and the turnout board
(turnout per district and station by the hour, against promises and the last comparable
election). Each read is a fixed number of queries, whatever the number of electors."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from members.models import AbsentVoter, Elector, PollingStation, VoteRecord
from pollingday.knockup import (
    postal_returned,
    voted_condition,
)
from pollingday.models import KnockUpList, Telling
from pollingday.promises import promises

QUIET_AFTER = datetime.timedelta(minutes=30)


@dataclass
class DistrictFigures:
    district: object
    electors: int = 0
    promises: int = 0
    promises_voted: int = 0
    postal_promises_returned: int = 0
    runners_out: int = 0

    @property
    def still_to_knock(self) -> int:
        return self.promises - self.promises_voted


def district_figures(election, districts) -> list[DistrictFigures]:
    """Per district (in the order given): electors on the register, promises, promises who
    have voted, postal promises whose ballot came back, lists out with runners. Three queries:
    the voted checks run over the promises alone, not over every elector."""
    districts = list(districts)
    electors = dict(
        Elector.objects.filter(polling_district__in=districts, on_register=True)
        .order_by()
        .values("polling_district_id")
        .annotate(n=Count("pk"))
        .values_list("polling_district_id", "n")
    )
    rows = (
        promises(election, districts)
        .order_by()
        .values("polling_district_id")
        .annotate(
            n_promises=Count("pk"),
            n_promises_voted=Count("pk", filter=voted_condition(election)),
            n_postal=Count("pk", filter=Q(postal_returned(election))),
        )
    )
    by_district = {row["polling_district_id"]: row for row in rows}
    out = dict(
        KnockUpList.objects.filter(
            election=election,
            polling_district__in=districts,
            handed_out_at__isnull=False,
            returned_at__isnull=True,
        )
        .order_by()
        .values("polling_district_id")
        .annotate(n=Count("pk"))
        .values_list("polling_district_id", "n")
    )
    figures = []
    for district in districts:
        row = by_district.get(district.pk, {})
        figures.append(
            DistrictFigures(
                district=district,
                electors=electors.get(district.pk, 0),
                promises=row.get("n_promises", 0),
                promises_voted=row.get("n_promises_voted", 0),
                postal_promises_returned=row.get("n_postal", 0),
                runners_out=out.get(district.pk, 0),
            )
        )
    return figures


@dataclass
class StationActivity:
    station: object
    last_entry: datetime.datetime | None
    quiet: bool
    quiet_minutes: int = 0


def station_activity(election, stations, *, now=None) -> list[StationActivity]:
    """The time of each station's last teller's entry; during polling hours a station with
    no entry for QUIET_AFTER (or none since the polls opened that long ago) is quiet. One
    query."""
    stations = list(stations)
    now = now or timezone.now()
    last = dict(
        Telling.objects.filter(election=election, polling_station__in=stations)
        .order_by()
        .values("polling_station_id")
        .annotate(last=Max("told_at"))
        .values_list("polling_station_id", "last")
    )
    opens, closes = election.polls_open, election.polls_close
    polling = opens <= now < closes
    result = []
    for station in stations:
        entry = last.get(station.pk)
        since = max(entry, opens) if entry else opens
        quiet = polling and now - since >= QUIET_AFTER
        result.append(
            StationActivity(
                station=station,
                last_entry=entry,
                quiet=quiet,
                quiet_minutes=int((now - since).total_seconds() // 60) if quiet else 0,
            )
        )
    return result


def stations_of(districts) -> list:
    ids = {d.polling_station_id for d in districts if d.polling_station_id}
    return list(PollingStation.objects.filter(pk__in=ids).order_by("name"))


# --- turnout --------------------------------------------------------------------------------


@dataclass
class TurnoutRow:
    """One district or station: electorate and cumulative voted at each hour of the day."""

    label: str
    electors: int
    hourly: list[int] = field(default_factory=list)  # cumulative voted at each hour mark
    promises: int = 0
    promises_voted: int = 0
    compare_voted: int | None = None
    hours: list = field(default_factory=list)

    @property
    def by_hour(self) -> list[tuple]:
        return list(zip(self.hours, self.hourly, self.hourly_turnout, strict=True))

    @property
    def voted(self) -> int:
        return self.hourly[-1] if self.hourly else 0

    @staticmethod
    def share(part, whole) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def turnout(self):
        return self.share(self.voted, self.electors)

    @property
    def hourly_turnout(self) -> list:
        return [self.share(v, self.electors) for v in self.hourly]

    @property
    def promises_share(self):
        return self.share(self.promises_voted, self.promises)

    @property
    def compare_turnout(self):
        if self.compare_voted is None:
            return None
        return self.share(self.compare_voted, self.electors)


@dataclass
class Turnout:
    hours: list[datetime.datetime]
    districts: list[TurnoutRow]
    stations: list[TurnoutRow]
    compare_with: object = None


def hour_marks(election, now=None) -> list[datetime.datetime]:
    """Each hour from opening up to now (or the close), the last mark being now itself while
    the polls are open: the figures are "voted by then"."""
    now = now or timezone.now()
    opens, closes = election.polls_open, election.polls_close
    end = min(now, closes)
    marks = []
    mark = opens + datetime.timedelta(hours=1)
    while mark <= end:
        marks.append(mark)
        mark += datetime.timedelta(hours=1)
    if end > opens and (not marks or marks[-1] < end):
        marks.append(end)
    return marks


def turnout(election, districts, *, now=None) -> Turnout:
    """Turnout by the hour per district and per station: voted (standing tellers' numbers,
    plus postal ballots returned, counted from the opening) over the electorate; with the
    share of promises voted and the comparable election's turnout where its marked register
    is in. A fixed number of queries."""
    districts = list(districts)
    marks = hour_marks(election, now=now)
    figures = {f.district.pk: f for f in district_figures(election, districts)}
    tellings = (
        Telling.objects.filter(
            election=election, polling_district__in=districts, undone_at__isnull=True
        )
        .annotate(hour=TruncHour("told_at"))
        .order_by()
        .values_list("polling_district_id", "polling_station_id", "hour")
        .annotate(n=Count("pk"))
    )
    postal = dict(
        AbsentVoter.objects.filter(
            election=election,
            returned_on__isnull=False,
            elector__polling_district__in=districts,
            elector__on_register=True,
        )
        .order_by()
        .values("elector__polling_district_id")
        .annotate(n=Count("pk"))
        .values_list("elector__polling_district_id", "n")
    )
    compare = None
    if election.compare_with_id:
        compare = dict(
            VoteRecord.objects.filter(
                election_id=election.compare_with_id, voted=True, polling_district__in=districts
            )
            .order_by()
            .values("polling_district_id")
            .annotate(n=Count("pk"))
            .values_list("polling_district_id", "n")
        )
    stations = {s.pk: s for s in stations_of(districts)}
    by_district = {d.pk: [0] * len(marks) for d in districts}
    by_station = {pk: [0] * len(marks) for pk in stations}
    for district_id, station_id, hour, n in tellings:
        # Voted by each mark: a number told in the hour starting `hour` counts from the mark
        # after it (the last mark, "now", counts everything).
        for i, mark in enumerate(marks):
            if hour + datetime.timedelta(hours=1) <= mark or i == len(marks) - 1:
                by_district[district_id][i] += n
                if station_id in by_station:
                    by_station[station_id][i] += n
    district_rows = []
    station_rows = {
        pk: TurnoutRow(label=s.name, electors=0, hours=marks) for pk, s in stations.items()
    }
    for district in districts:
        f = figures[district.pk]
        hourly = [v + postal.get(district.pk, 0) for v in by_district[district.pk]]
        district_rows.append(
            TurnoutRow(
                label=district.code + (f" {district.name}" if district.name else ""),
                electors=f.electors,
                hourly=hourly,
                hours=marks,
                promises=f.promises,
                promises_voted=f.promises_voted,
                compare_voted=None if compare is None else compare.get(district.pk),
            )
        )
        station = station_rows.get(district.polling_station_id)
        if station is not None:
            station.electors += f.electors
            station.promises += f.promises
            station.promises_voted += f.promises_voted
            if compare is not None and district.pk in compare:
                station.compare_voted = (station.compare_voted or 0) + compare[district.pk]
            if not station.hourly:
                station.hourly = [0] * len(marks)
            for i in range(len(marks)):
                station.hourly[i] += postal.get(district.pk, 0)
    for pk, station in station_rows.items():
        if not station.hourly:
            station.hourly = [0] * len(marks)
        station.hourly = [a + b for a, b in zip(station.hourly, by_station[pk], strict=True)]
    return Turnout(
        hours=marks,
        districts=district_rows,
        stations=[station_rows[pk] for pk in stations],
        compare_with=election.compare_with,
    )
