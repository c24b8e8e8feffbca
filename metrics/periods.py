"""Dates and periods: the site's local days and the calendar quarters the ledger uses.

Measurements are timestamps; baselines, change dates and quarters are local days
(settings.TIME_ZONE)."""

import datetime as dt

from django.utils import timezone


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the site's time zone: dates are local days."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of the quarter."""
    first = dt.date(year, 3 * quarter - 2, 1)
    following = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, following - dt.timedelta(days=1)


def end_of_today() -> dt.datetime:
    """The last instant of today in the site's time zone (settings.TIME_ZONE, whatever
    zone a request has activated): a measurement observed after it is in the future.
    A date typed alone means its midnight, so tomorrow's date is after it."""
    zone = timezone.get_default_timezone()
    tomorrow = timezone.localdate(timezone=zone) + dt.timedelta(days=1)
    # Wall-clock arithmetic within the zone: 23:59:59.999999 local, on a DST day too.
    return dt.datetime.combine(tomorrow, dt.time.min, zone) - dt.timedelta(microseconds=1)
