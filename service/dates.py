"""Calendar arithmetic that never raises: look-backs clamp at the calendar's first day."""

from __future__ import annotations

import datetime as dt


def days_before(day: dt.date, days: int) -> dt.date:
    """Return the day ``days`` before ``day``, clamped at the calendar's first day (never raises)."""
    if days >= (day - dt.date.min).days:
        return dt.date.min
    return day - dt.timedelta(days=days)
