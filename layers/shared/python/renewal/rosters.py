"""Affiliate class rosters: after each class the affiliate posts who attended,
and each attendee of that affiliate is credited at once (approved, in-network).
Posting the same roster again credits nobody twice: the credit's key is the class."""

import datetime as dt
from pydantic import Field

from renewal import audit, cec, clock, keys, records, standing
from renewal.adapters import store
from renewal.auth import Principal
from renewal.errors import Conflict, RuleViolation, ValidationFailed
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


def _reported_and_approved(items: list[dict], roster: Roster, affiliate: str) -> bool:
    twin = {"activity_id": "", "type": "affiliate_class", "title": roster.title,
            "completed_on": roster.held_on.isoformat(), "provider": affiliate}
    return cec.counted_twice(twin, standing.activities(items))


def _credit(member_id: str, roster: Roster, affiliate: str, record: dict) -> str:
    """Credits one attendee, with their renewal records in the same transaction:
    'credited', or 'already' when the class counts for them already."""
    for _ in range(3):
        items = list(store.query_all(keys.member_pk(member_id)))  # the member's page: CECs, invoices, profile
        profile = next((i for i in items if i["SK"] == keys.PROFILE), None)
        if profile is None:
            return "unknown"
        if _reported_and_approved(items, roster, affiliate):
            return "already"  # the member's own report of this class was approved already
        operations = [store.put_op(record, condition="attribute_not_exists(SK)")]
        operations += records.follow_ops(profile, items, records.replaced(items, record))
        try:
            store.transact(operations)
            return "credited"
        except store.ConditionFailed as lost:
            if lost.reasons[:1] == ["ConditionalCheckFailed"]:
                return "already"  # credited by an earlier post of this roster
            # Their record changed meanwhile (a decision, a payment): credit again on a fresh read.
    raise Conflict(f"{member_id}'s record kept changing; post the roster again (nobody is credited twice).")


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
        record = {
            **keys.activity_key(member_id, activity_id),
            "activity_id": activity_id, "member_id": member_id, "type": "affiliate_class", "title": roster.title,
            "provider": affiliate, "completed_on": roster.held_on.isoformat(),
            "contact_minutes": roster.contact_minutes, "break_minutes": roster.break_minutes, "cec": credit,
            "status": cec.APPROVED, "source": "roster", "class_id": class_id,
            "credited_at": now, "credited_by": principal.actor,
        }
        outcome = _credit(member_id, roster, affiliate, record)
        {"credited": credited, "already": already, "unknown": unknown}[outcome].append(member_id)
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
