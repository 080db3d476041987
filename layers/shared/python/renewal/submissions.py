"""Submitting signed CEC forms for the institute's approval.

A submission is accepted in one transaction: the submission with its
activities (pending, so the member sees them "in review" at once), the forms
marked as submitted, and an outbox entry: at most 12 writes however many
activities the forms hold. The queue message follows; if sending it
fails, the outbox entry stays and the sweep sends it later, so an accepted
submission is never lost.
"""

import datetime as dt
import secrets
from typing import Any, Literal

from aws_lambda_powertools import Logger
from pydantic import ConfigDict, Field

from renewal import cec, clock, config, invoicing, keys, paging, records, standing
from renewal.adapters import queue, store
from renewal.auth import Principal
from renewal.errors import NotFound, RuleViolation
from renewal.forms import VERIFIED
from renewal.model import Model
from renewal.rules import RenewalYear, load_rule_set

logger = Logger()

SubmissionStatus = Literal["queued", "in_review", "approved", "partially_approved", "rejected"]
QUEUED = "queued"
MAX_FORMS = 10  # forms in one submission (of up to forms.MAX_ACTIVITIES activities each)


class SubmissionIn(Model):
    model_config = ConfigDict(extra="forbid")

    renewal_year: RenewalYear
    form_ids: list[str] = Field(min_length=1, max_length=MAX_FORMS)


class SubmissionAccepted(Model):
    submission_id: str
    status: SubmissionStatus


class Submission(Model):
    submission_id: str
    member_id: str
    renewal_year: int
    status: SubmissionStatus
    form_ids: list[str]
    activities: list[cec.Activity]
    total_cec: float
    submitted_at: str
    decided_at: str | None = None
    note: str | None = None
    document_urls: list[str] = Field(default_factory=list,
                                     description="Short-lived links to the forms' scanned documents (reviewers).")


class SubmissionList(Model):
    items: list[Submission]
    next_token: str | None = None


def view(record: dict[str, Any], *, with_links: bool = False) -> Submission:
    submission = Submission(
        **{name: record.get(name) for name in Submission.model_fields
           if name in record and name not in ("activities", "document_urls")},
        activities=[cec.activity_view(a) for a in standing.submitted_activities(record)],
    )
    if with_links and record.get("documents"):
        from renewal.adapters import documents

        submission.document_urls = [documents.link(d["object_key"]) for d in record["documents"]]
    return submission


def requirement(rule_set, profile: dict[str, Any], items: list[dict[str, Any]]) -> tuple[float, float, bool]:
    """(CECs required, in-network required, waived) for the year (invoicing.requirement)."""
    owed = invoicing.requirement(invoicing.held_from_profile(profile), standing.waivers_in(items), rule_set,
                                 standing.invoices(items).get(rule_set.renewal_year))
    return owed.cec_required, owed.in_network_required, owed.waived


def submit(principal: Principal, body: SubmissionIn, *, attempts: int = 3) -> SubmissionAccepted:
    member_id = principal.require_member()
    rule_set = load_rule_set(body.renewal_year)
    if rule_set is None:
        raise RuleViolation(f"No rule set exists for renewal year {body.renewal_year}.", code="rule_set_missing",
                            details=[{"field": "renewal_year"}])
    items = list(store.query_all(keys.member_pk(member_id)))
    profile = next((i for i in items if i["SK"] == keys.PROFILE), None)
    if profile is None:
        raise NotFound(f"No member {member_id}.")
    forms_by_id = {i["form_id"]: i for i in items if i["SK"].startswith(keys.FORM_PREFIX)}
    window = rule_set.earning_window
    problems: list[dict[str, Any]] = []
    chosen = list(dict.fromkeys(body.form_ids))
    for form_id in chosen:
        form = forms_by_id.get(form_id)
        if form is None:
            problems.append({"form_id": form_id, "rule": "form_not_yours",
                             "message": "No such CEC form of yours."})
        elif form["status"] != VERIFIED:
            problems.append({"form_id": form_id, "rule": "form_not_verified",
                             "message": f"The form is {form['status']}: only forms your affiliate signed count."})
        elif form.get("submission_id"):
            problems.append({"form_id": form_id, "rule": "form_already_submitted",
                             "message": f"The form was submitted already ({form['submission_id']})."})
        else:
            for activity in form["activities"]:
                if not window.holds(dt.date.fromisoformat(activity["completed_on"])):
                    problems.append({"form_id": form_id, "activity_id": activity["activity_id"],
                                     "rule": "outside_earning_window",
                                     "message": f"Completed {activity['completed_on']}: {body.renewal_year} counts "
                                                f"CECs earned {window.start} to {window.end}."})
    if problems:
        raise RuleViolation("These forms cannot be submitted.", details=problems)
    activities = [{**a, "status": cec.PENDING} for form_id in chosen for a in forms_by_id[form_id]["activities"]]
    if rule_set.require_complete_submission:
        _require_complete(rule_set, profile, items, activities)
    submission_id = keys.owned_id("S", member_id, secrets.token_hex(6))
    now = clock.now_precise_iso()
    record = {
        **keys.submission_key(member_id, submission_id),
        "submission_id": submission_id, "member_id": member_id, "renewal_year": body.renewal_year,
        **keys.review_index(QUEUED, now, submission_id),
        "status": QUEUED, "form_ids": chosen, "activities": activities,
        "total_cec": sum(float(a["cec"]) for a in activities), "submitted_at": now,
        "documents": [{"form_id": f, **forms_by_id[f]["document"]} for f in chosen if forms_by_id[f].get("document")],
        "terms": {"earning_window": window.model_dump(mode="json"), "participation_cap": rule_set.participation_cap},
    }
    operations = [store.put_op(record, condition="attribute_not_exists(SK)")]
    for form_id in chosen:
        operations.append(store.update_op(
            keys.form_key(member_id, form_id), "SET submission_id = :id",
            condition="#status = :verified AND attribute_not_exists(submission_id)",
            names={"#status": "status"}, values={":id": submission_id, ":verified": VERIFIED}))
    message = {"member_id": member_id, "submission_id": submission_id}
    operations.append(store.put_op({**keys.submission_outbox_key(now, submission_id), **message, "created_at": now}))
    # CECs in review are a fact of the renewal records: they follow in the same transaction.
    operations += records.follow_ops(profile, items, records.replaced(items, record))
    try:
        store.transact(operations)
    except store.ConditionFailed as error:
        submission_and_forms = error.reasons[:1 + len(chosen)]
        if "ConditionalCheckFailed" not in submission_and_forms and attempts > 1:
            # Not the forms: the member's record changed meanwhile (a roster credit). Again, on a fresh read.
            return submit(principal, body, attempts=attempts - 1)
        raise RuleViolation("A form was submitted at the same moment; reload and try again.",
                            code="form_already_submitted") from error
    _send(message, now)
    return SubmissionAccepted(submission_id=submission_id, status=QUEUED)


def _require_complete(rule_set, profile, items, new_activities) -> None:
    """The page asks for the entire number of outstanding CECs in one submission.
    What the automatic checks would refuse (a duplicate, a date outside the
    window, a refused type) counts zero here too, and participation beyond
    the cap is left out as the tally leaves it out."""
    required, in_network_required, waived = requirement(rule_set, profile, items)
    if waived:
        return
    window = rule_set.earning_window
    existing = standing.activities(items)
    refused = cec.uncountable(new_activities, existing, window.start, window.end)
    countable = [{**a, "status": cec.PENDING} for a in new_activities if a["activity_id"] not in refused]
    counted = cec.tally(existing + countable, window.start, window.end, rule_set.participation_cap)
    missing = max(0.0, required - (counted.approved + counted.in_review))
    missing_in_network = max(0.0, in_network_required - (counted.approved_in_network + counted.in_review_in_network))
    if missing or missing_in_network:
        parts = []
        if missing:
            parts.append(f"{missing:g} CECs")
        if missing_in_network:
            parts.append(f"{missing_in_network:g} in-network CECs")
        detail: dict[str, Any] = {"rule": "require_complete_submission", "missing": missing,
                                   "missing_in_network": missing_in_network}
        if refused:
            # Why some of what was sent counts nothing (already credited, outside the window...).
            detail["not_counted"] = [{"activity_id": a, "reason": reason} for a, reason in refused.items()]
        raise RuleViolation(
            f"Please submit all outstanding CECs at once: {' and '.join(parts)} still missing.",
            code="incomplete_submission", details=[detail],
        )


def _send(message: dict[str, str], created_at: str) -> bool:
    try:
        queue.send_all(config.cec_submission_queue_url(), [message])
    except Exception:
        logger.exception("submission not queued yet; the outbox sweep will send it", extra=message)
        return False
    store.delete(keys.submission_outbox_key(created_at, message["submission_id"]))
    return True


def sweep_outbox() -> int:
    """Sends what an earlier send left behind (run on a schedule). Consumers are
    idempotent, so a message sent twice is harmless."""
    sent = 0
    for entry in list(store.query_all(keys.SUBMISSION_OUTBOX)):
        if _send({"member_id": entry["member_id"], "submission_id": entry["submission_id"]}, entry["created_at"]):
            sent += 1
    return sent


def get_own_submission(principal: Principal, submission_id: str) -> Submission:
    member_id = principal.require_member()
    record = (store.get(keys.submission_key(member_id, submission_id))
              if keys.owner_of("S", submission_id) == member_id else None)
    if record is None:
        raise NotFound(f"No CEC submission {submission_id}.")
    return view(record)


def list_own_submissions(principal: Principal, limit: int, next_token: str | None) -> SubmissionList:
    member_id = principal.require_member()
    items, token = paging.newest_first(keys.member_pk(member_id), keys.SUBMISSION_PREFIX, at="submitted_at",
                                       id_field="submission_id", limit=limit, next_token=next_token)
    return SubmissionList(items=[view(i) for i in items], next_token=token)
