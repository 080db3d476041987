"""The approval queue: automatic checks on a submission before a person reviews
it, and the institute reviewer's decision. Only approved CECs count.

The processor is idempotent: it acts only on a submission still `queued`, with
a conditional write, so a redelivered message changes nothing. Two reviewers
deciding at the same moment: the second gets 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from renewal import audit, cec, clock, keys, notices, paging, standing
from renewal.adapters import store
from renewal.auth import Principal
from renewal.errors import Conflict, NotFound, ValidationFailed
from renewal.forms import VERIFIED
from renewal.model import Model
from renewal.forms import MAX_ACTIVITIES
from renewal.submissions import MAX_FORMS, QUEUED, Submission, SubmissionList, view

IN_REVIEW, APPROVED_ALL, PARTIAL, REJECTED_ALL = "in_review", "approved", "partially_approved", "rejected"


def automatic_checks(submission: Mapping[str, Any], items: list[Mapping[str, Any]]) -> dict[str, str]:
    """activity id -> why it is refused; the rest go on to a reviewer."""
    terms = submission["terms"]
    start = dt.date.fromisoformat(terms["earning_window"]["start"])
    end = dt.date.fromisoformat(terms["earning_window"]["end"])
    forms = {i["form_id"]: i for i in items if str(i.get("SK", "")).startswith(keys.FORM_PREFIX)}
    own = {a["activity_id"] for a in submission["activities"]}
    refused: dict[str, str] = {}
    for form_id in submission["form_ids"]:
        form = forms.get(form_id)
        if form is None or form["status"] != VERIFIED or form.get("submission_id") != submission["submission_id"]:
            for activity in submission["activities"]:
                if activity["activity_id"].startswith(f"{form_id}-"):
                    refused[activity["activity_id"]] = "The form is not a signed form of this member."
    others = [a for a in standing.activities(items) if a["activity_id"] not in own]
    signed = [a for a in submission["activities"] if a["activity_id"] not in refused]
    return {**refused, **cec.uncountable(signed, others, start, end)}


def process(member_id: str, submission_id: str) -> str | None:
    """Runs the checks on a queued submission; None when it was handled before."""
    items = list(store.query_all(keys.member_pk(member_id)))
    submission = next((i for i in items if i.get("SK") == keys.submission_key(member_id, submission_id)[keys.SK]), None)
    if submission is None or submission["status"] != QUEUED:
        return None
    refused = automatic_checks(submission, items)
    activities = [
        {**a, "status": "rejected", "note": refused[a["activity_id"]]} if a["activity_id"] in refused else a
        for a in submission["activities"]
    ]
    status = REJECTED_ALL if len(refused) == len(activities) else IN_REVIEW
    now = clock.now_precise_iso()
    # One write whatever the size: the submission holds its activities' statuses.
    try:
        store.transact([_submission_update(member_id, submission, status, activities, QUEUED, now,
                                           note="Refused by the automatic checks." if status == REJECTED_ALL else None)])
    except store.ConditionFailed:
        return None  # another delivery of the same message got there first
    if status == REJECTED_ALL:
        _tell_member(member_id, {**submission, "status": status, "activities": activities})
    return status


def _submission_update(member_id: str, submission: Mapping[str, Any], status: str, activities: list, seen: str,
                       now: str, note: str | None = None) -> dict[str, Any]:
    index = keys.review_index(status, submission["submitted_at"], submission["submission_id"])
    expression = "SET #status = :status, activities = :activities, GSI1PK = :gsi1pk, GSI1SK = :gsi1sk"
    values: dict[str, Any] = {":status": status, ":activities": activities, ":seen": seen,
                              ":gsi1pk": index["GSI1PK"], ":gsi1sk": index["GSI1SK"]}
    if status != IN_REVIEW:
        expression += ", decided_at = :now, note = :note"
        values.update({":now": now, ":note": note})
    return store.update_op(keys.submission_key(member_id, submission["submission_id"]), expression,
                           condition="#status = :seen", names={"#status": "status"}, values=values)


# ---------------------------------------------------------------- the reviewer


class ReviewDecision(Model):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    rejected_activity_ids: list[str] = Field(default_factory=list, max_length=MAX_FORMS * MAX_ACTIVITIES)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


def review_queue(principal: Principal, status: str, limit: int, next_token: str | None) -> SubmissionList:
    principal.require_staff()
    items, token = paging.page(keys.review_partition(status), index=keys.GSI1, limit=limit, next_token=next_token)
    return SubmissionList(items=[view(i, with_links=True) for i in items], next_token=token)


def decide(principal: Principal, submission_id: str, decision: ReviewDecision) -> Submission:
    principal.require_staff()
    member_id = keys.owner_of("S", submission_id)
    items = list(store.query_all(keys.member_pk(member_id))) if member_id else []
    key_sk = keys.submission_key(member_id, submission_id)[keys.SK] if member_id else None
    submission = next((i for i in items if i.get("SK") == key_sk), None)
    if submission is None:
        raise NotFound(f"No CEC submission {submission_id}.")
    principal.require_not_self(member_id, "review a CEC submission of")
    if submission["status"] != IN_REVIEW:
        raise Conflict(f"CEC submission {submission_id} is {submission['status']}, not in review.",
                       code="already_decided")
    pending = [a for a in submission["activities"] if a["status"] == cec.PENDING]
    unknown = set(decision.rejected_activity_ids) - {a["activity_id"] for a in pending}
    if unknown:
        raise ValidationFailed("Some rejected activities are not pending in this submission.",
                               details=[{"field": "rejected_activity_ids", "unknown": sorted(unknown)}])
    rejected = {a["activity_id"] for a in pending} if decision.decision == "reject" else set(
        decision.rejected_activity_ids)
    if rejected and not decision.note:
        raise ValidationFailed("Rejecting needs a note that tells the member why.", details=[{"field": "note"}])
    counted = _participation_counted(submission, items)
    activities = []
    for activity in submission["activities"]:
        if activity["status"] != cec.PENDING:
            activities.append(activity)
            continue
        if activity["activity_id"] in rejected:
            # The decision's note is kept once, on the submission (an item holds at most 400 KB).
            new = {**activity, "status": "rejected", "note": None}
        elif cec.counted_twice(activity, standing.activities(items)):
            # Credited meanwhile by another route (the affiliate's roster): once is enough.
            new = {**activity, "status": "rejected", "note": "Already credited (the affiliate's class roster)."}
        elif activity["type"] in cec.PARTICIPATION_TYPES and counted >= float(submission["terms"]["participation_cap"]):
            # Recorded, not counted: participation beyond the cap.
            new = {**activity, "status": "not_counted", "note": "Over the participation cap."}
        else:
            new = {**activity, "status": cec.APPROVED}
            if activity["type"] in cec.PARTICIPATION_TYPES:
                counted += float(activity["cec"])
        activities.append(new)
    approved_any = any(a["status"] in (cec.APPROVED, "not_counted") for a in activities)
    rejected_any = any(a["status"] == "rejected" for a in activities)
    status = PARTIAL if approved_any and rejected_any else (APPROVED_ALL if approved_any else REJECTED_ALL)
    now = clock.now_precise_iso()
    operations = [_submission_update(member_id, submission, status, activities, IN_REVIEW, now, decision.note)]
    operations.append(audit.entry_op(principal, history_pk=keys.member_history_pk(member_id),
                                     action="cec_submission.decide",
                                     changes={"submission_id": {"from": None, "to": submission_id},
                                              "status": {"from": IN_REVIEW, "to": status}}))
    try:
        store.transact(operations)
    except store.ConditionFailed as error:
        raise Conflict(f"CEC submission {submission_id} was decided by someone else.", code="already_decided") from error
    decided = {**submission, "status": status, "activities": activities, "decided_at": now, "note": decision.note}
    _tell_member(member_id, decided)
    return view(decided, with_links=True)


def _participation_counted(submission: Mapping[str, Any], items: list[Mapping[str, Any]]) -> float:
    terms = submission["terms"]
    start = dt.date.fromisoformat(terms["earning_window"]["start"])
    end = dt.date.fromisoformat(terms["earning_window"]["end"])
    return sum(float(a["cec"]) for a in standing.activities(items)
               if a.get("status") == cec.APPROVED and a.get("type") in cec.PARTICIPATION_TYPES
               and start <= dt.date.fromisoformat(str(a["completed_on"])) <= end)


def _tell_member(member_id: str, submission: Mapping[str, Any]) -> None:
    lines = [f"- {a['title']} ({a['completed_on']}, {float(a['cec']):g} CEC): {a['status']}"
             + (f" ({a['note']})" if a.get("note") else "") for a in submission["activities"]]
    status = submission["status"].replace("_", " ")
    note = f"Note: {submission['note']}\n" if submission.get("note") else ""
    notices.tell_member(
        member_id, f"Your CEC submission was {status}",
        f"Your CEC submission {submission['submission_id']} for {submission['renewal_year']} was {status}.\n"
        + note + "\n".join(lines),
    )
