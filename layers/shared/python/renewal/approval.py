"""The approval queue: automatic checks on a submission before a person reviews
it, and the institute reviewer's decision. Only approved CECs count.

The processor is idempotent: it acts only on a submission still `queued`, with
a conditional write, so a redelivered message changes nothing. Two reviewers
deciding at the same moment: the second gets 409.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from renewal import audit, cec, clock, keys, notices, paging, records, standing
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
    # One write whatever the size: the submission holds its activities' statuses; the
    # renewal records follow in the same transaction.
    submission_after = {**submission, "status": status, "activities": activities}
    operations = [_submission_update(member_id, submission, status, activities, QUEUED, now,
                                     note="Refused by the automatic checks." if status == REJECTED_ALL else None)]
    operations += _records_follow(items, submission_after)
    try:
        store.transact(operations)
    except store.ConditionFailed as lost:
        if lost.reasons[:1] == ["ConditionalCheckFailed"]:
            return None  # another delivery of the same message got there first
        # The member's record changed at the same moment (a roster credit, say): the
        # message fails and comes back, and the checks run again on a fresh read.
        raise RuntimeError(f"submission {submission_id}: the member's record changed meanwhile") from lost
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


def _records_follow(items: list[dict[str, Any]], submission_after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The renewal records' writes once the submission's activities take their new statuses."""
    profile = next((i for i in items if i.get("SK") == keys.PROFILE), None)
    if profile is None:
        return []
    return records.follow_ops(profile, items, records.replaced(items, submission_after))


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


def decide(principal: Principal, submission_id: str, decision: ReviewDecision, *, attempts: int = 3) -> Submission:
    principal.require_staff()
    if decision.decision == "reject" and decision.rejected_activity_ids:
        # "reject" rejects the whole submission: a list of ids belongs with "approve".
        raise ValidationFailed("reject rejects every activity: to reject some, approve with their ids in "
                               "rejected_activity_ids.", details=[{"field": "rejected_activity_ids",
                                                                   "rule": "reject_takes_no_list"}])
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
    operations += _records_follow(items, {**submission, "status": status, "activities": activities})
    was_pending = {a["activity_id"] for a in pending}
    changes = [a for a in activities if a["activity_id"] in was_pending]
    operations.append(audit.entry_op(principal, history_pk=keys.member_history_pk(member_id),
                                     action="cec_submission.decide",
                                     changes={"submission_id": {"from": None, "to": submission_id},
                                              "status": {"from": IN_REVIEW, "to": status},
                                              "note": {"from": None, "to": decision.note},
                                              "approved_activity_ids": {"from": None, "to": sorted(
                                                  a["activity_id"] for a in changes if a["status"] == cec.APPROVED)},
                                              "rejected_activity_ids": {"from": None, "to": sorted(
                                                  a["activity_id"] for a in changes if a["status"] == "rejected")}}))
    try:
        store.transact(operations)
    except store.ConditionFailed as error:
        if error.reasons[:1] != ["ConditionalCheckFailed"] and attempts > 1:
            # Not another reviewer: the member's record changed meanwhile. Decide on a fresh read.
            return decide(principal, submission_id, decision, attempts=attempts - 1)
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
    notices.tell_member(member_id, *notices.submission_decided(submission))
