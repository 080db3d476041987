"""Affiliate class rosters: after each class the affiliate posts who attended,
and each attendee of that affiliate is credited at once (approved, in-network).
Posting the same roster again credits nobody twice: the credit's key is the class."""

from __future__ import annotations

import datetime as dt
from pydantic import Field

from renewal import audit, cec, clock, keys, standing
from renewal.adapters import store
from renewal.auth import Principal
from renewal.errors import RuleViolation, ValidationFailed
from renewal.members import OpaqueId
from renewal.model import Date, Model


class Roster(cec.ContactTime):
    title: cec.Text
    held_on: Date
    attendees: list[OpaqueId] = Field(min_length=1, max_length=1000)


class RosterResult(Model):
    credited: list[str]
    already_credited: list[str]
    unknown_members: list[str]
    cec: float
    not_credited_self: list[str] = Field(
        default_factory=list,
        description="The caller's own member id when it is on the roster: nobody credits themselves; "
                    "another officer of the affiliate posts the roster for them.")


def _reported_and_approved(member_id: str, roster: Roster, affiliate: str) -> bool:
    twin = {"activity_id": "", "type": "affiliate_class", "title": roster.title,
            "completed_on": roster.held_on.isoformat(), "provider": affiliate}
    return cec.counted_twice(twin, standing.activities(store.query_all(keys.member_pk(member_id))))


def post_roster(principal: Principal, class_id: str, roster: Roster) -> RosterResult:
    affiliate = principal.require_affiliate()
    if roster.held_on > clock.today():
        raise ValidationFailed("A class cannot be held in the future.",
                               details=[{"field": "held_on", "today": clock.today().isoformat()}])
    credit = cec.credit(roster.contact_minutes, roster.break_minutes)
    if credit <= 0:
        raise RuleViolation("The class is worth no CEC: less than 30 minutes of education after breaks.",
                            details=[{"field": "contact_minutes", "rule": "cec_per_hour_excluding_breaks"}])
    attendees = list(dict.fromkeys(roster.attendees))  # the same name twice is one attendee
    profiles = {p["member_id"]: p for p in store.batch_get([keys.member_key(m) for m in attendees])}
    activity_id = f"CLASS-{affiliate}-{class_id}"
    credited, already, unknown, own = [], [], [], []
    now = clock.now_iso()
    for member_id in attendees:
        profile = profiles.get(member_id)
        # Only the caller's own affiliate's members; others are listed, never credited.
        if profile is None or profile.get("affiliate") != affiliate:
            unknown.append(member_id)
            continue
        if member_id == principal.member_id:
            own.append(member_id)  # nobody credits their own CECs
            continue
        if _reported_and_approved(member_id, roster, affiliate):
            already.append(member_id)  # the member's own report of this class was approved already
            continue
        record = {
            **keys.activity_key(member_id, activity_id),
            "activity_id": activity_id, "member_id": member_id, "type": "affiliate_class", "title": roster.title,
            "provider": affiliate, "completed_on": roster.held_on.isoformat(),
            "contact_minutes": roster.contact_minutes, "break_minutes": roster.break_minutes, "cec": credit,
            "in_network": True, "status": cec.APPROVED, "source": "roster", "class_id": class_id,
            "credited_at": now, "credited_by": principal.actor,
        }
        try:
            store.put(record, condition="attribute_not_exists(SK)")
            credited.append(member_id)
        except store.ConditionFailed:
            already.append(member_id)
    if credited:
        store.transact([
            store.put_op({**keys.roster_key(affiliate, class_id), "class_id": class_id, "affiliate": affiliate,
                          "title": roster.title, "held_on": roster.held_on.isoformat(), "cec": credit,
                          "last_posted_at": now}),
            audit.entry_op(principal, history_pk=keys.roster_key(affiliate, class_id)[keys.PK],
                           action="roster.post", changes={"credited": {"from": None, "to": credited}}),
        ])
    return RosterResult(credited=credited, already_credited=already, unknown_members=unknown, cec=credit,
                        not_credited_self=own)
