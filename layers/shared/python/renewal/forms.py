"""CEC Reporting Forms: the member lists activities (and may attach a scanned
document); the member's affiliate office verifies and signs the form, or
rejects it with a note. Only a signed form can be submitted for approval."""

import secrets
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from renewal import audit, cec, clock, keys, notices, paging, uploads
from renewal.adapters import documents, store
from renewal.auth import Principal
from renewal.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from renewal.model import Model

AWAITING, VERIFIED, REJECTED = "awaiting_affiliate", "verified", "rejected"
FormStatus = Literal["awaiting_affiliate", "verified", "rejected"]
MAX_ACTIVITIES = 25  # the paper form's lines


class FormIn(Model):
    model_config = ConfigDict(extra="forbid")

    activities: list[cec.ActivityIn] = Field(min_length=1, max_length=MAX_ACTIVITIES)
    document_upload_id: str | None = None


class Form(Model):
    form_id: str
    member_id: str
    affiliate: str
    status: FormStatus
    activities: list[cec.Activity]
    total_cec: float
    document_upload_id: str | None = None
    document_url: str | None = Field(default=None, description="A short-lived link to the scanned document.")
    created_at: str
    verified_by: str | None = None
    verified_at: str | None = None
    decided_at: str | None = None
    note: str | None = None
    submission_id: str | None = None


class FormList(Model):
    items: list[Form]
    next_token: str | None = None


class Decision(Model):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["verify", "reject"]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


def view(record: dict[str, Any], *, with_link: bool = False) -> Form:
    form = Form(**{name: record.get(name) for name in Form.model_fields if name in record and name != "activities"},
                activities=[cec.activity_view(a) for a in record["activities"]])
    if with_link and record.get("document"):
        form.document_url = documents.link(record["document"]["object_key"])
    return form


def create_form(principal: Principal, body: FormIn) -> Form:
    member_id = principal.require_member()
    profile = store.get(keys.member_key(member_id))
    if profile is None:
        raise NotFound(f"No member {member_id}.")
    if not profile.get("affiliate"):
        raise RuleViolation("Your record names no affiliate office to sign the form; contact the institute.",
                            code="no_affiliate")
    today = clock.today()
    problems = []
    for n, activity in enumerate(body.activities):
        reason = cec.refusal(activity.type)
        if reason:
            problems.append({"field": f"activities.{n}.type", "rule": "not_accepted", "message": reason})
        if activity.completed_on > today:
            problems.append({"field": f"activities.{n}.completed_on", "rule": "not_in_future"})
        if cec.credit(activity.contact_minutes, activity.break_minutes) <= 0:
            problems.append({"field": f"activities.{n}.contact_minutes", "rule": "worth_no_cec",
                             "message": "Less than 30 minutes of education after breaks earns no CEC."})
    if problems:
        raise RuleViolation("Some activities cannot be reported.", details=problems)
    document = uploads.verified_document(member_id, body.document_upload_id) if body.document_upload_id else None
    form_id = keys.owned_id("F", member_id, secrets.token_hex(6))
    now = clock.now_precise_iso()  # the affiliate's queue is oldest first
    activities = [
        {"activity_id": f"{form_id}-{n + 1}", **a.model_dump(mode="json"),
         "cec": cec.credit(a.contact_minutes, a.break_minutes),
         "status": cec.PENDING}
        for n, a in enumerate(body.activities)
    ]
    record = {
        **keys.form_key(member_id, form_id),
        **keys.affiliate_forms_index(profile["affiliate"], AWAITING, now, form_id),
        "form_id": form_id, "member_id": member_id, "affiliate": profile["affiliate"], "status": AWAITING,
        "activities": activities, "total_cec": sum(a["cec"] for a in activities),
        "document_upload_id": body.document_upload_id, "document": document, "created_at": now,
        "member_name": f"{profile.get('first_name', '')} {profile.get('last_name', '')}".strip(),
    }
    store.put(record, condition="attribute_not_exists(SK)")
    return view(record)


def _own_form(member_id: str, form_id: str) -> dict[str, Any]:
    record = store.get(keys.form_key(member_id, form_id)) if keys.owner_of("F", form_id) == member_id else None
    if record is None:
        raise NotFound(f"No CEC form {form_id}.")
    return record


def get_own_form(principal: Principal, form_id: str) -> Form:
    return view(_own_form(principal.require_member(), form_id), with_link=True)


def list_own_forms(principal: Principal, limit: int, next_token: str | None) -> FormList:
    member_id = principal.require_member()
    items, token = paging.page(keys.member_pk(member_id), sk_prefix=keys.FORM_PREFIX,
                               limit=limit, next_token=next_token)
    return FormList(items=[view(i) for i in items], next_token=token)


def affiliate_queue(principal: Principal, status: str, limit: int, next_token: str | None) -> FormList:
    affiliate = principal.require_affiliate()
    items, token = paging.page(keys.affiliate_forms_partition(affiliate, status), index=keys.GSI1,
                               limit=limit, next_token=next_token)
    return FormList(items=[view(i, with_link=True) for i in items], next_token=token)


def decide(principal: Principal, form_id: str, decision: Decision) -> Form:
    affiliate = principal.require_affiliate()
    member_id = keys.owner_of("F", form_id)
    record = store.get(keys.form_key(member_id, form_id)) if member_id else None
    # Another affiliate's member's form reads as unknown: existence must not leak.
    if record is None or record["affiliate"] != affiliate:
        raise NotFound(f"No CEC form {form_id} for {affiliate}.")
    principal.require_not_self(member_id, "sign a CEC form of")
    if decision.decision == "reject" and not decision.note:
        raise ValidationFailed("A rejection needs a note that tells the member why.", details=[{"field": "note"}])
    status = VERIFIED if decision.decision == "verify" else REJECTED
    now = clock.now_iso()
    index = keys.affiliate_forms_index(affiliate, status, record["created_at"], form_id)
    expression = "SET #status = :status, decided_at = :now, note = :note, GSI1PK = :gsi1pk, GSI1SK = :gsi1sk"
    values: dict[str, Any] = {":status": status, ":now": now, ":note": decision.note, ":awaiting": AWAITING,
                              ":gsi1pk": index["GSI1PK"], ":gsi1sk": index["GSI1SK"]}
    if status == VERIFIED:
        expression += ", verified_by = :by, verified_at = :now"
        values[":by"] = principal.actor
    try:
        store.transact([
            store.update_op(keys.form_key(member_id, form_id), expression, condition="#status = :awaiting",
                            names={"#status": "status"}, values=values),
            audit.entry_op(principal, history_pk=keys.member_history_pk(member_id), action=f"cec_form.{status}",
                           changes={"form_id": {"from": None, "to": form_id},
                                    "status": {"from": AWAITING, "to": status}}),
        ])
    except store.ConditionFailed as error:
        raise Conflict(f"CEC form {form_id} was already decided.", code="already_decided") from error
    updated = store.get(keys.form_key(member_id, form_id)) or record
    _tell_member(member_id, updated)
    return view(updated)


def _tell_member(member_id: str, form: dict[str, Any]) -> None:
    if form["status"] == VERIFIED:
        subject = "Your CEC Reporting Form was signed"
        text = (f"Your affiliate office verified and signed CEC form {form['form_id']} "
                f"({form['total_cec']:g} CECs). You can now submit it online for the institute's approval.")
    else:
        subject = "Your CEC Reporting Form was not signed"
        text = f"Your affiliate office did not sign CEC form {form['form_id']}. Reason: {form.get('note')}"
    notices.tell_member(member_id, subject, text)
