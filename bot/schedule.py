"""Local post times: weekday sets, daylight-saving rules and the next post moment."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import InvalidSettingError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORDS = {
    "daily": 0b1111111,
    "everyday": 0b1111111,
    "all": 0b1111111,
    "weekdays": 0b0011111,
    "workdays": 0b0011111,
    "weekends": 0b1100000,
}
_DAYS_EXPECTED = "day names such as mon-fri, mon,wed,fri, daily or weekends"


def parse_time(text: str) -> time:
    """Parse a 24-hour local time such as 09:30 or 9:30."""
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
    if match is None:
        raise InvalidSettingError("time", text, "a 24-hour time such as 09:30 or 17:05")
    return time(int(match.group(1)), int(match.group(2)))


def parse_timezone(text: str) -> str:
    """Check an IANA time zone name such as Europe/Berlin and return it."""
    name = text.strip()
    expected = "an IANA time zone such as Europe/Berlin, America/New_York or UTC"
    if name not in _zone_names():
        raise InvalidSettingError("time zone", text, expected)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSettingError("time zone", text, expected) from None
    return name


# Names in the tz database that are not places: the server's own zone, a
# placeholder, and the POSIX and leap-second copies of the real names.
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


def _zone_names() -> set[str]:
    names = {
        name
        for name in available_timezones()
        if name not in _NOT_PLACES and not name.startswith(("posix/", "right/"))
    }
    return names | {"UTC"}


def parse_weekdays(text: str) -> int:
    """Parse active weekdays into a bit set, Monday = bit 0."""
    words = text.strip().lower().replace(" ", "")
    if not words:
        raise InvalidSettingError("days", text, _DAYS_EXPECTED)
    if words in _DAY_WORDS:
        return _DAY_WORDS[words]
    mask = 0
    for part in words.split(","):
        start, dash, end = part.partition("-")
        if start not in DAY_NAMES or (dash and end not in DAY_NAMES):
            raise InvalidSettingError("days", text, _DAYS_EXPECTED)
        first = DAY_NAMES.index(start)
        last = DAY_NAMES.index(end) if dash else first
        # A range may wrap past Sunday, as in fri-mon.
        span = (last - first) % 7
        for offset in range(span + 1):
            mask |= 1 << ((first + offset) % 7)
    return mask


def parse_date_range(text: str) -> tuple[date, date]:
    """Parse DATE or DATE..DATE in ISO form (2027-12-24) into a first and last date."""
    first_text, dots, last_text = text.strip().partition("..")
    expected = "a date such as 2027-12-24 or a range such as 2027-12-24..2027-12-31"
    try:
        first = date.fromisoformat(first_text)
        last = date.fromisoformat(last_text) if dots else first
    except ValueError:
        raise InvalidSettingError("date", text, expected) from None
    if last < first:
        raise InvalidSettingError("date range", text, "the first date on or before the last")
    return first, last


def format_weekdays(mask: int) -> str:
    """Describe a weekday bit set in words, for example mon-fri."""
    if mask == 0b1111111:
        return "every day"
    days = [name for bit, name in enumerate(DAY_NAMES) if mask & (1 << bit)]
    if mask == 0b0011111:
        return "mon-fri"
    return ",".join(days) or "no days"


def post_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the UTC moment of a local post time on a local date.

    A time that does not exist on that date (clocks go forward) moves to the
    first valid local time after the gap. A time that happens twice (clocks go
    back) is taken at its first occurrence.
    """
    local = datetime.combine(day, at, tzinfo=zone)
    moment = local.astimezone(UTC)
    # A local time inside a gap does not survive the round trip through UTC.
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return _gap_end(day, at, zone)
    return moment


def _gap_end(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the first UTC instant whose local time on the day is at or after ``at``."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    target = datetime.combine(day, at)
    low, high = start, start + timedelta(hours=26)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= target:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def next_post(
    *,
    now: datetime,
    zone: ZoneInfo,
    at: time,
    weekdays: int,
    off_days: Collection[date] = (),
    after: date | None = None,
) -> datetime | None:
    """Return the next UTC post moment at or after now on an active day.

    Days on or before ``after`` (the date of the team's latest round) are
    skipped, so a day never gets a second post. Returns None when no active
    day exists.
    """
    if weekdays & 0b1111111 == 0:
        return None
    day = now.astimezone(zone).date()
    for _ in range(400):
        if (
            (after is None or day > after)
            and weekdays & (1 << day.weekday())
            and day not in off_days
        ):
            moment = post_moment(day, at, zone)
            if moment >= now:
                return moment
        day += timedelta(days=1)
    return None
