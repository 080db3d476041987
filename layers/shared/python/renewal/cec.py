"""Continuing-education credits: how much an activity is worth and how much of
a member's record counts toward a renewal year. Pure functions; every number
(window, participation cap, requirements) comes from the rule set.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Activity types (API.md). These are categories of the program, not numbers.
IN_NETWORK_TYPES = frozenset({"affiliate_class", "conference", "online_course"})
PARTICIPATION_TYPES = frozenset({"committee", "legislative", "teaching"})  # share the participation cap
REFUSED_TYPES = frozenset({"corporate_training"})  # never accepted
ACTIVITY_TYPES = IN_NETWORK_TYPES | PARTICIPATION_TYPES | frozenset({"volunteer", "other"}) | REFUSED_TYPES

APPROVED = "approved"
PENDING = "pending"


def credit(contact_minutes: int, break_minutes: int) -> float:
    """One CEC per hour, meals and breaks excluded, rounded down to the half credit."""
    minutes = max(0, contact_minutes - break_minutes)
    return math.floor(minutes * 2 / 60) / 2


@dataclass(frozen=True)
class Tally:
    approved: float = 0.0
    approved_in_network: float = 0.0
    in_review: float = 0.0


def tally(activities: Iterable[Mapping[str, Any]], window_start: dt.date, window_end: dt.date, cap: float) -> Tally:
    """Countable CECs earned inside the window. Committee, legislative and
    teaching together count at most `cap`; the excess is recorded, not counted."""
    approved = in_network = participation = 0.0
    pending = pending_participation = 0.0
    for activity in activities:
        completed_on = dt.date.fromisoformat(str(activity["completed_on"]))
        if not window_start <= completed_on <= window_end:
            continue
        amount = float(activity.get("cec", 0))
        kind = activity.get("type")
        status = activity.get("status")
        if kind in REFUSED_TYPES:
            continue
        if status == APPROVED:
            if kind in PARTICIPATION_TYPES:
                participation += amount
            else:
                approved += amount
                if kind in IN_NETWORK_TYPES:
                    in_network += amount
        elif status == PENDING:
            if kind in PARTICIPATION_TYPES:
                pending_participation += amount
            else:
                pending += amount
    cap = float(cap)
    counted_participation = min(cap, participation)
    review_participation = min(max(0.0, cap - counted_participation), pending_participation)
    return Tally(
        approved=approved + counted_participation,
        approved_in_network=in_network,
        in_review=pending + review_participation,
    )


def complete(t: Tally, required: float, in_network_required: float, waived: bool) -> bool:
    return waived or (t.approved >= required and t.approved_in_network >= in_network_required)
