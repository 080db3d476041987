"""Continuing-education credits: how much an activity is worth and how much of
a member's record counts toward a renewal year. Pure functions; every number
(window, participation cap, requirements) comes from the rule set.
"""

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from renewal.model import Date, Model

class Kind(NamedTuple):
    """One activity type of the program (docs/domain.md, "CECs"): categories, not numbers."""

    label: str
    in_network: bool = False  # counts toward the in-network minimum
    participation: bool = False  # shares the participation cap
    refused: str | None = None  # never accepted, and why


# The one table of activity types: the API's enum and every set below come from it.
KINDS: dict[str, Kind] = {
    "affiliate_class": Kind("Affiliate class", in_network=True),
    "conference": Kind("Conference or Expo session", in_network=True),
    "online_course": Kind("Institute-approved online course", in_network=True),
    "committee": Kind("Committee or board service", participation=True),
    "legislative": Kind("Legislative event", participation=True),
    "teaching": Kind("Unpaid teaching", participation=True),
    "volunteer": Kind("Volunteering"),
    "other": Kind("Other outside education"),
    "corporate_training": Kind("Corporate in-house training",
                               refused="Corporate in-house training is not accepted for CECs."),
}
IN_NETWORK_TYPES = frozenset(name for name, kind in KINDS.items() if kind.in_network)
PARTICIPATION_TYPES = frozenset(name for name, kind in KINDS.items() if kind.participation)
REFUSED_TYPES = frozenset(name for name, kind in KINDS.items() if kind.refused)
ACTIVITY_TYPES = frozenset(KINDS)


def in_network(kind: str | None) -> bool:
    """Worked out from the type whenever it is read, never stored."""
    return kind in IN_NETWORK_TYPES

APPROVED = "approved"
PENDING = "pending"


def credit(contact_minutes: int, break_minutes: int) -> float:
    """One CEC per hour, meals and breaks excluded, rounded down to the half credit."""
    minutes = max(0, contact_minutes - break_minutes)
    return math.floor(minutes * 2 / 60) / 2


class Tally(NamedTuple):
    approved: float = 0.0
    approved_in_network: float = 0.0
    in_review: float = 0.0
    in_review_in_network: float = 0.0


def tally(activities: Iterable[Mapping[str, Any]], window_start: dt.date, window_end: dt.date, cap: float) -> Tally:
    """Countable CECs earned inside the window. Committee, legislative and
    teaching together count at most `cap`; the excess is recorded, not counted."""
    approved = in_network_total = participation = 0.0
    pending = pending_in_network = pending_participation = 0.0
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
                    in_network_total += amount
        elif status == PENDING:
            if kind in PARTICIPATION_TYPES:
                pending_participation += amount
            else:
                pending += amount
                if kind in IN_NETWORK_TYPES:
                    pending_in_network += amount
    cap = float(cap)
    counted_participation = min(cap, participation)
    review_participation = min(max(0.0, cap - counted_participation), pending_participation)
    return Tally(
        approved=approved + counted_participation,
        approved_in_network=in_network_total,
        in_review=pending + review_participation,
        in_review_in_network=pending_in_network,
    )


def complete(t: Tally, required: float, in_network_required: float, waived: bool) -> bool:
    return waived or (t.approved >= required and t.approved_in_network >= in_network_required)


# ---------------------------------------------------------------- activities as the API shows them


ActivityType = Literal[tuple(KINDS)]  # type: ignore[valid-type]  # the table above, as the API's enum
ActivityStatus = Literal["pending", "approved", "rejected", "not_counted"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Minutes = Annotated[int, Field(ge=0, le=60 * 24 * 14)]


class ContactTime(Model):
    """Minutes of a class or activity, breaks included in the contact time (see `credit`)."""

    model_config = ConfigDict(extra="forbid")

    contact_minutes: Minutes
    break_minutes: Minutes = 0

    @model_validator(mode="after")
    def _breaks_within_contact(self) -> Self:
        if self.break_minutes > self.contact_minutes:
            raise ValueError("break_minutes cannot exceed contact_minutes")
        return self


class ActivityIn(ContactTime):
    """An activity as the member reports it on a CEC Reporting Form."""

    type: ActivityType
    title: Text
    provider: Text
    completed_on: Date


class Activity(Model):
    activity_id: str
    type: ActivityType
    title: str
    provider: str
    completed_on: dt.date
    contact_minutes: int
    break_minutes: int
    cec: float
    in_network: bool
    status: ActivityStatus
    note: str | None = None


def signature(activity: Mapping[str, Any]) -> tuple:
    """What makes two reports the same activity (a class on a roster and on a form, say)."""
    return (activity.get("type"), str(activity.get("title", "")).strip().lower(), str(activity.get("completed_on")),
            str(activity.get("provider", "")).strip().lower())


def counted_twice(activity: Mapping[str, Any], others: Iterable[Mapping[str, Any]]) -> bool:
    """True when an approved twin of the activity (another record of it) already counts."""
    mine = signature(activity)
    return any(o["activity_id"] != activity["activity_id"] and o.get("status") == APPROVED and signature(o) == mine
               for o in others)


# What an activity that counts nothing is, on a submission: the automatic checks
# refuse it, and the completeness check before a submission counts it as zero.
ALREADY_REPORTED = "This activity was already reported or credited."


def uncountable(activities: Iterable[Mapping[str, Any]], others: Iterable[Mapping[str, Any]],
                window_start: dt.date, window_end: dt.date) -> dict[str, str]:
    """activity id -> why it will count nothing: a type never accepted, a date
    outside the earning window, or the same activity already credited or
    reported (approved, in review or over the cap), or twice in the list."""
    credited = {signature(o) for o in others if o.get("status") in (APPROVED, PENDING, "not_counted")}
    refused: dict[str, str] = {}
    seen: set[tuple] = set()
    for activity in activities:
        reason = refusal(activity["type"])
        if reason is None and not window_start <= dt.date.fromisoformat(str(activity["completed_on"])) <= window_end:
            reason = f"Completed outside the earning window {window_start} to {window_end}."
        if reason is None and (signature(activity) in credited or signature(activity) in seen):
            reason = ALREADY_REPORTED
        if reason:
            refused[activity["activity_id"]] = reason
        seen.add(signature(activity))
    return refused


def refusal(kind: str) -> str | None:
    """Why an activity type is never accepted, if it is not."""
    found = KINDS.get(kind)
    return found.refused if found else None


def activity_view(record: Mapping[str, Any]) -> Activity:
    fields = {name: record.get(name) for name in Activity.model_fields if name in record}
    return Activity(**{**fields, "in_network": in_network(record.get("type"))})
