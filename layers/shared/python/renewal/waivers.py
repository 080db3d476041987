"""Exemptions granted by institute staff, and members' requests for them.

- Military deployment: dues and CECs waived for the named year (one waiver a
  year); that year's invoice is voided (a paid one is flagged for a refund,
  never silently voided) and the invoice run skips the member for that year.
- Emeritus (retired, or over 25 years in the industry): CECs waived from the
  named year on; fees as the rule set says (its emeritus fee where it has one).

The member's profile keeps a copy of the active waivers, so the invoice run
reads them with the profile it already fetches.
"""

import secrets
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, StringConstraints

from renewal import audit, clock, config, dues, keys, notices, paging, reconcile, records, standing, uploads
from renewal.adapters import store
from renewal.auth import Principal
from renewal.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from renewal.model import Model
from renewal.rules import RenewalYear, load_rule_set

WaiverType = Literal["military_deployment", "emeritus"]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class WaiverIn(Model):
    model_config = ConfigDict(extra="forbid")

    type: WaiverType
    renewal_year: RenewalYear
    note: Note | None = None


class Waiver(Model):
    waiver_id: str
    member_id: str
    type: WaiverType
    renewal_year: int
    note: str | None = None
    granted_by: str
    granted_at: str
    revoked_at: str | None = None
    revoked_by: str | None = None
    revoke_note: str | None = None


class Revocation(Model):
    model_config = ConfigDict(extra="forbid")

    note: Note | None = None


def _suffix(waiver_type: str) -> str:
    return {"military_deployment": "M", "emeritus": "E"}[waiver_type]


def waiver_id(member_id: str, renewal_year: int, waiver_type: str) -> str:
    return keys.owned_id("W", member_id, f"{renewal_year}{_suffix(waiver_type)}")


def _parse_waiver_id(value: str) -> tuple[str, int, str] | None:
    member_id = keys.owner_of("W", value)
    if not member_id:
        return None
    suffix = value.rsplit("-", 1)[1]
    kinds = {"M": "military_deployment", "E": "emeritus"}
    if len(suffix) != 5 or not suffix[:4].isdigit() or suffix[4] not in kinds:
        return None
    return member_id, int(suffix[:4]), kinds[suffix[4]]


def view(record: dict[str, Any]) -> Waiver:
    return Waiver(**{name: record.get(name) for name in Waiver.model_fields if name in record})


def grant(principal: Principal, member_id: str, body: WaiverIn, *, request_id: str | None = None) -> Waiver:
    principal.require_staff()
    _require_rule_set(body.renewal_year)
    principal.require_not_self(member_id, "grant a waiver on")
    for _ in range(3):
        items = list(store.query_all(keys.member_pk(member_id)))
        profile = next((i for i in items if i["SK"] == keys.PROFILE), None)
        if profile is None:
            raise NotFound(f"No member {member_id}.")
        key = keys.waiver_key(member_id, body.renewal_year, body.type)
        existing = next((i for i in items if i["SK"] == key[keys.SK]), None)
        if existing and not existing.get("revoked_at"):
            raise Conflict(f"A {body.type} waiver for {body.renewal_year} exists already.", code="waiver_exists")
        now = clock.now_iso()
        record = {**key, "waiver_id": waiver_id(member_id, body.renewal_year, body.type), "member_id": member_id,
                  "type": body.type, "renewal_year": body.renewal_year, "note": body.note,
                  "granted_by": principal.actor, "granted_at": now, "request_id": request_id}
        summary = {"waiver_id": record["waiver_id"], "type": body.type, "renewal_year": body.renewal_year}
        kept = [w for w in profile.get("waivers", []) if w["waiver_id"] != record["waiver_id"]]
        lock, lock_values = records.lock_condition(profile)
        operations = [
            store.put_op(record, condition="attribute_not_exists(SK) OR attribute_exists(revoked_at)"),
            store.update_op(keys.member_key(member_id),
                            "SET waivers = :waivers, version = version + :one, facts_version = :next_facts",
                            condition=f"version = :seen AND {lock}",
                            values={":waivers": kept + [summary], ":one": 1, ":seen": profile["version"],
                                    ":next_facts": records.lock_next(profile), **lock_values}),
            audit.entry_op(principal, history_pk=keys.member_history_pk(member_id), action="waiver.grant",
                           changes={"waiver": {"from": None, "to": summary}, "note": {"from": None, "to": body.note}}),
        ]
        after = records.replaced(items, record)
        refund_due = None
        if body.type == standing.MILITARY:
            after, refund_due = _military_invoice(member_id, body.renewal_year, profile, items, after, record)
        # The invoices of the years the waiver touches follow (an emeritus fee), and their
        # renewal records, in the same transaction.
        after, extra, told = reconcile.apply(principal, profile, after, clock.today())
        operations += records.follow_ops(profile, items, after, lock=False) + extra
        operations += notices.invoice_changes_ops(member_id, told, clock.today())
        try:
            store.transact(operations)
        except store.ConditionFailed:
            continue  # the profile or the invoice changed meanwhile: look again
        if refund_due:
            _flag_refund(refund_due)
        return view(record)
    raise Conflict("The member's record kept changing; try again.")


def _military_invoice(member_id: str, year: int, profile: dict[str, Any], items: list[dict[str, Any]],
                      after: list[dict[str, Any]], waiver: dict[str, Any]
                      ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The member's items once the year's invoice is voided (or a void one
    recorded), and the paid invoice to flag for a refund, if any."""
    invoice = standing.invoices(items).get(year)
    if invoice is None:
        # Not invoiced yet: a void invoice records the waived year, so reports list
        # it and a later invoice run (which skips the member anyway) cannot bill it.
        # (Without a rule set yet, the invoice run writes it when the year is invoiced.)
        rule_set = load_rule_set(year)
        if rule_set is None:
            return after, None
        from renewal import invoice_runs

        record = invoice_runs.waived_invoice_record("waiver", rule_set, profile, waiver["waiver_id"])
        return (records.replaced(after, record) if record else after), None
    if dues.payable(invoice):
        return records.replaced(after, {**invoice, "status": "void", "voided_by_waiver": waiver["waiver_id"]}), None
    if invoice["status"] == "paid":
        return after, invoice  # stays paid; a person refunds it
    return after, None


def _flag_refund(invoice: dict[str, Any]) -> None:
    from renewal import payments  # only here: the member-facing functions that load this module never pay

    incoming = payments.Incoming(
        payment_id=f"REFUND-DUE-{invoice['invoice_id']}", invoice_id=invoice["invoice_id"], method="refund_due",
        amount_cents=int(invoice.get("amount_paid_cents", 0)), currency=invoice["currency"],
        received_at=clock.now_iso())
    try:
        store.put(payments._payment_record(incoming, invoice, payments.NEEDS_ATTENTION, "waived_invoice_paid"),
                  condition="attribute_not_exists(PK)")
    except store.ConditionFailed:
        pass  # flagged already


def revoke(principal: Principal, member_id: str, waiver_id_value: str, body: Revocation) -> Waiver:
    principal.require_staff()
    parsed = _parse_waiver_id(waiver_id_value)
    if parsed is None or parsed[0] != member_id:
        raise NotFound(f"No waiver {waiver_id_value} for {member_id}.")
    _, year, waiver_type = parsed
    items = list(store.query_all(keys.member_pk(member_id)))
    profile = next((i for i in items if i["SK"] == keys.PROFILE), None)
    record = next((i for i in items if i["SK"] == keys.waiver_key(member_id, year, waiver_type)[keys.SK]), None)
    if profile is None or record is None:
        raise NotFound(f"No waiver {waiver_id_value} for {member_id}.")
    if record.get("revoked_at"):
        raise Conflict("The waiver was revoked already.", code="waiver_revoked")
    invoice = standing.invoices(items).get(year)
    if invoice is not None and invoice["status"] == "paid":
        raise Conflict(f"The {year} invoice is paid: the waiver can no longer be revoked.", code="invoice_paid")
    now = clock.now_iso()
    revoked = {**record, "revoked_at": now, "revoked_by": principal.actor, "revoke_note": body.note}
    lock, lock_values = records.lock_condition(profile)
    operations = [
        store.update_op(keys.waiver_key(member_id, year, waiver_type),
                        "SET revoked_at = :now, revoked_by = :by, revoke_note = :note",
                        condition="attribute_not_exists(revoked_at)",
                        values={":now": now, ":by": principal.actor, ":note": body.note}),
        store.update_op(keys.member_key(member_id),
                        "SET waivers = :waivers, version = version + :one, facts_version = :next_facts",
                        condition=f"version = :seen AND {lock}",
                        values={":waivers": [w for w in profile.get("waivers", []) if w["waiver_id"] != waiver_id_value],
                                ":one": 1, ":seen": profile["version"], ":next_facts": records.lock_next(profile),
                                **lock_values}),
        audit.entry_op(principal, history_pk=keys.member_history_pk(member_id), action="waiver.revoke",
                       changes={"waiver_id": {"from": waiver_id_value, "to": None}, "note": {"from": None, "to": body.note}}),
    ]
    after = records.replaced(items, revoked)
    if invoice is not None and invoice.get("voided_by_waiver") == waiver_id_value and invoice["status"] == "void":
        # The year is owed again, on the invoice the waiver had voided.
        after = records.replaced(after, {**invoice, "status": "open", "voided_by_waiver": None})
    after, extra, told = reconcile.apply(principal, profile, after, clock.today())
    operations += records.follow_ops(profile, items, after, lock=False) + extra
    operations += notices.invoice_changes_ops(member_id, told, clock.today())
    try:
        store.transact(operations)
    except store.ConditionFailed as error:
        raise Conflict("The waiver or the member changed meanwhile; reload and try again.") from error
    return view(revoked)


def list_for_member(items: list[dict[str, Any]]) -> list[Waiver]:
    return [view(i) for i in standing.waivers_in(items)]


# ---------------------------------------------------------------- members' requests


class WaiverRequestIn(Model):
    model_config = ConfigDict(extra="forbid")

    type: WaiverType
    renewal_year: RenewalYear
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    document_upload_id: str | None = None


class WaiverRequest(Model):
    request_id: str
    member_id: str
    type: WaiverType
    renewal_year: int
    reason: str
    status: Literal["pending", "approved", "rejected"]
    document_upload_id: str | None = None
    document_url: str | None = None
    created_at: str
    decided_at: str | None = None
    decided_by: str | None = None
    note: str | None = None
    waiver_id: str | None = None


class WaiverRequestList(Model):
    items: list[WaiverRequest]
    next_token: str | None = None


class RequestDecision(Model):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    note: Note | None = None


def _request_view(record: dict[str, Any], *, with_link: bool = False) -> WaiverRequest:
    request = WaiverRequest(**{n: record.get(n) for n in WaiverRequest.model_fields if n in record})
    if with_link and record.get("document"):
        from renewal.adapters import documents

        request.document_url = documents.link(record["document"]["object_key"])
    return request


def request_waiver(principal: Principal, body: WaiverRequestIn) -> WaiverRequest:
    member_id = principal.require_member()
    if store.get(keys.member_key(member_id)) is None:
        raise NotFound(f"No member {member_id}.")
    _require_rule_set(body.renewal_year)
    document = uploads.verified_document(member_id, body.document_upload_id) if body.document_upload_id else None
    request_id = keys.owned_id("R", member_id, secrets.token_hex(6))
    now = clock.now_precise_iso()  # the queue is oldest first, and requests may come within one second
    record = {**keys.waiver_request_key(member_id, request_id),
              **keys.waiver_requests_index("pending", now, request_id),
              "request_id": request_id, "member_id": member_id, "type": body.type, "renewal_year": body.renewal_year,
              "reason": body.reason, "status": "pending", "document_upload_id": body.document_upload_id,
              "document": document, "created_at": now}
    # One pending request per member, type and year: a marker keyed by them, released by the decision.
    marker = {**keys.pending_waiver_request_key(member_id, body.renewal_year, body.type), "request_id": request_id}
    try:
        store.transact([store.put_op(record, condition="attribute_not_exists(SK)"),
                        store.put_op(marker, condition="attribute_not_exists(SK)")])
    except store.ConditionFailed as error:
        raise Conflict(f"A {body.type.replace('_', ' ')} waiver request for {body.renewal_year} is pending already.",
                       code="request_pending") from error
    return _request_view(record)


def _require_rule_set(renewal_year: int) -> None:
    """Waivers are for renewal years that exist: a year has a rule set."""
    if load_rule_set(renewal_year) is None:
        raise RuleViolation(f"No rule set exists for renewal year {renewal_year}.", code="rule_set_missing",
                            details=[{"field": "renewal_year", "rule": "rule_set_required"}])


def list_requests(principal: Principal, status: str, limit: int, next_token: str | None) -> WaiverRequestList:
    principal.require_staff()
    items, token = paging.page(keys.waiver_requests_partition(status), index=keys.GSI1,
                               limit=limit, next_token=next_token)
    return WaiverRequestList(items=[_request_view(i, with_link=True) for i in items], next_token=token)


def list_own_requests(principal: Principal, limit: int, next_token: str | None) -> WaiverRequestList:
    member_id = principal.require_member()
    items, token = paging.newest_first(keys.member_pk(member_id), keys.WAIVER_REQUEST_PREFIX, at="created_at",
                                       id_field="request_id", limit=limit, next_token=next_token)
    return WaiverRequestList(items=[_request_view(i) for i in items], next_token=token)


def decide_request(principal: Principal, request_id: str, decision: RequestDecision) -> WaiverRequest:
    principal.require_staff()
    member_id = keys.owner_of("R", request_id)
    record = store.get(keys.waiver_request_key(member_id, request_id)) if member_id else None
    if record is None:
        raise NotFound(f"No waiver request {request_id}.")
    principal.require_not_self(member_id, "decide a waiver request on")
    if record["status"] != "pending":
        raise Conflict(f"Waiver request {request_id} was {record['status']} already.", code="already_decided")
    if decision.decision == "reject" and not decision.note:
        raise ValidationFailed("A rejection needs a note that tells the member why.", details=[{"field": "note"}])
    status = "approved" if decision.decision == "approve" else "rejected"
    now = clock.now_iso()
    index = keys.waiver_requests_index(status, record["created_at"], request_id)
    marker = keys.pending_waiver_request_key(member_id, int(record["renewal_year"]), record["type"])
    try:
        # Claim the decision first, so two staff deciding at once grant one waiver at most;
        # the member may ask again once this one is decided; the decision is audited with its note.
        store.transact([
            store.update_op(keys.waiver_request_key(member_id, request_id),
                            "SET #status = :status, decided_at = :now, decided_by = :by, note = :note, "
                            "GSI1PK = :gsi1pk, GSI1SK = :gsi1sk",
                            condition="#status = :pending", names={"#status": "status"},
                            values={":status": status, ":now": now, ":by": principal.actor, ":note": decision.note,
                                    ":pending": "pending", ":gsi1pk": index["GSI1PK"], ":gsi1sk": index["GSI1SK"]}),
            {"Delete": {"TableName": config.table_name(), "Key": store.to_item(marker),
                        "ConditionExpression": "attribute_not_exists(SK) OR request_id = :id",
                        "ExpressionAttributeValues": {":id": store.to_attr(request_id)}}},
            audit.entry_op(principal, history_pk=keys.member_history_pk(member_id), action="waiver_request.decide",
                           changes={"request_id": {"from": None, "to": request_id},
                                    "status": {"from": "pending", "to": status},
                                    "type": {"from": None, "to": record["type"]},
                                    "renewal_year": {"from": None, "to": record["renewal_year"]},
                                    "note": {"from": None, "to": decision.note}}),
        ])
    except store.ConditionFailed as error:
        raise Conflict(f"Waiver request {request_id} was decided already.", code="already_decided") from error
    updated = {**record, "status": status, "decided_at": now, "decided_by": principal.actor, "note": decision.note}
    if status == "approved":
        try:
            waiver = grant(principal, member_id, WaiverIn(type=record["type"], renewal_year=record["renewal_year"],
                                                          note=decision.note or record["reason"]),
                           request_id=request_id)
            updated["waiver_id"] = waiver.waiver_id
        except Conflict:
            updated["waiver_id"] = waiver_id(member_id, record["renewal_year"], record["type"])  # granted before
        store.update(keys.waiver_request_key(member_id, request_id), "SET waiver_id = :w",
                     values={":w": updated["waiver_id"]})
    notices.tell_member(member_id, *notices.waiver_request_decided(record["type"], int(record["renewal_year"]),
                                                                  status, decision.note))
    return _request_view(updated)
