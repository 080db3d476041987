"""The one domain clock: "today" is the institute's calendar day, in its time
zone (template parameter InstituteTimeZone, default America/New_York).

Every rule that depends on the date asks this module. The local stack swaps the
override for all functions at once (they share one process there); tests do
the same through `set_today`, or `set_now` to cross midnight in that zone.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from zoneinfo import ZoneInfo

_override: dt.date | None = None
_now_override: dt.datetime | None = None

DEFAULT_TIME_ZONE = "America/New_York"


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    """The institute's time zone (template parameter InstituteTimeZone): its
    calendar day is the day every renewal date is compared with."""
    return _zone(os.environ.get("INSTITUTE_TIME_ZONE") or DEFAULT_TIME_ZONE)


def today() -> dt.date:
    if _override is not None:
        return _override
    # An environment override lets a deployed stage or a subprocess pin the date.
    pinned = os.environ.get("RENEWAL_TODAY")
    if pinned:
        return dt.date.fromisoformat(pinned)
    # The institute's day, not UTC's: at 8 pm on 31 December in New York it is still 31 December.
    return (_now_override or dt.datetime.now(dt.UTC)).astimezone(zone()).date()


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
    day = dt.datetime.fromtimestamp(timestamp, zone()).date()
    real_today = (_now_override or dt.datetime.now(dt.UTC)).astimezone(zone()).date()
    return today() + (day - real_today) if today() != real_today else day


def set_today(day: dt.date | None) -> None:
    global _override
    _override = day


def set_now(moment: dt.datetime | None) -> None:
    """Pins the moment the domain day is read from (tests crossing midnight
    in the institute's zone); record timestamps keep the real time."""
    global _now_override
    _now_override = moment
