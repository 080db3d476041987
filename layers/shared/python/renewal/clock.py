"""The one domain clock ("today" in DOMAIN.md).

Every rule that depends on the date asks this module. The local stack swaps the
override for all functions at once (they share one process there); tests do
the same through `set_today`.
"""

from __future__ import annotations

import datetime as dt
import os

_override: dt.date | None = None


def today() -> dt.date:
    if _override is not None:
        return _override
    # An environment override lets a deployed stage or a subprocess pin the date.
    pinned = os.environ.get("RENEWAL_TODAY")
    if pinned:
        return dt.date.fromisoformat(pinned)
    return dt.datetime.now(dt.UTC).date()


def now() -> dt.datetime:
    """Timestamps for records (issued_at, audit). Real time, not the domain clock."""
    return dt.datetime.now(dt.UTC)


def now_iso() -> str:
    return now().isoformat(timespec="seconds").replace("+00:00", "Z")


def now_precise_iso() -> str:
    """Microseconds, for records that sort by time (audit entries) and may come
    within the same second."""
    return now().isoformat(timespec="microseconds").replace("+00:00", "Z")


def day_of(timestamp: int) -> dt.date:
    """The domain date of a moment given in seconds since the epoch (Stripe's
    `created`). With the domain clock moved, moments keep their distance from
    now: a session created a minute ago was created "today"."""
    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).date()
    real_today = dt.datetime.now(dt.UTC).date()
    return today() + (day - real_today) if today() != real_today else day


def set_today(day: dt.date | None) -> None:
    global _override
    _override = day
