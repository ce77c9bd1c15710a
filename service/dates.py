"""Calendar arithmetic for windows written in days, weeks, months or years: total, never raising."""

from __future__ import annotations

import calendar
import datetime as dt


def shift(day: dt.date, *, years: int = 0, months: int = 0, weeks: int = 0, days: int = 0) -> dt.date:
    """Return a day moved by calendar years and months, then by weeks and days; total, never raising.

    Calendar units keep the day of the month and fall back to the month's last day when it has
    no such day (31 March - 1 month = 28 or 29 February), so a window reaching back N months is
    never shorter than N months. A result before 1 January 1 or after 31 December 9999 is
    clamped to that end of the calendar.
    """
    total = day.year * 12 + (day.month - 1) + years * 12 + months
    year, month = divmod(total, 12)
    if year < dt.MINYEAR:
        return dt.date.min
    if year > dt.MAXYEAR:
        return dt.date.max
    moved = dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
    offset = weeks * 7 + days
    limit = (dt.date.max - moved).days if offset > 0 else (moved - dt.date.min).days
    if abs(offset) > limit:
        return dt.date.max if offset > 0 else dt.date.min
    return moved + dt.timedelta(days=offset)
