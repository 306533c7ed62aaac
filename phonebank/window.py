"""When calls may be made: each campaign's calling window, in UK local time."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from phonebank.models import EARLIEST_CALL, LATEST_CALL

UK = ZoneInfo("Europe/London")


def _window(campaign, day: datetime.date) -> tuple[datetime.time, datetime.time]:
    if day.weekday() >= 5:
        start, end = campaign.weekend_start, campaign.weekend_end
    else:
        start, end = campaign.weekday_start, campaign.weekday_end
    # Never beyond 09:00–21:00, whatever was saved.
    return max(start, EARLIEST_CALL), min(end, LATEST_CALL)


def calling_window_open(campaign, now: datetime.datetime | None = None) -> bool:
    """Whether `campaign` may call now, by the clock on a UK wall."""
    local = (now or timezone.now()).astimezone(UK)
    start, end = _window(campaign, local.date())
    return start <= local.time() < end


def calling_window_today(campaign, now: datetime.datetime | None = None) -> str:
    """Today's window in words, e.g. "09:00–20:00"."""
    local = (now or timezone.now()).astimezone(UK)
    start, end = _window(campaign, local.date())
    return f"{start:%H:%M}–{end:%H:%M}"


def window_problems(*, weekday: tuple, weekend: tuple) -> list[str]:
    """What is wrong with a window an organiser typed, in words; [] when it is fine."""
    problems = []
    for name, (start, end) in (("Weekdays", weekday), ("Weekends", weekend)):
        if start < EARLIEST_CALL or end > LATEST_CALL:
            problems.append(f"{name}: calls may only be made between 09:00 and 21:00.")
        if start >= end:
            problems.append(f"{name}: the window must end after it starts.")
    return problems
