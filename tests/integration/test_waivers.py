"""Waivers on moto, through the HTTP handlers: military deployment and emeritus
granted (and revoked) by institute staff, their effect on invoices, renewals and
the invoice run, and members' requests for them in the staff queue."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest

from renewal import clock
from tests.integration.conftest import BUCKET, STAFF, drain, member_claims, sent_emails, deadline_run
from tests.integration.payloads import ANA, RULE_SET_2027, fresh

AFFILIATE = {"sub": "a", "cognito:groups": ["affiliate"], "custom:affiliate": "AASC"}
M1, M2, M3 = member_claims("M-1"), member_claims("M-2"), member_claims("M-3")
MILITARY, EMERITUS = "military_deployment", "emeritus"


# ------------------------------------------------------------------ helpers


def put_member(api, member_id, *credentials, first_name=None):
    body = fresh(ANA)
    body["first_name"] = first_name or member_id
    body["credentials"] = [{"code": code, "earned_on": earned_on} for code, earned_on in
                           (credentials or (("CAM", "2019-05-04"),))]
    body["contact"]["email"] = f"{member_id.lower()}@example.org"
    reply = api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body)
    assert reply.status == 201, reply.text


def invoice_run(api, year=2027):
    reply = api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": year})
    assert reply.status == 202, reply.text
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    run = api.request("GET", f"/admin/invoice-runs/{reply.json()['run_id']}", claims=STAFF).json()
    assert run["status"] == "completed", run
    return run


def grant(api, member_id, kind=MILITARY, year=2027, note="Deployed overseas", claims=STAFF):
    body = {"type": kind, "renewal_year": year}
    if note is not None:
        body["note"] = note
    return api.request("POST", f"/admin/members/{member_id}/waivers", claims=claims, body=body)


def granted(api, member_id, kind=MILITARY, year=2027, note="Deployed overseas"):
    reply = grant(api, member_id, kind, year, note)
    assert reply.status == 201, reply.text
    return reply.json()


def revoke(api, member_id, waiver_id, note="Deployment cancelled", claims=STAFF):
    body = {"note": note} if note is not None else None
    return api.request("DELETE", f"/admin/members/{member_id}/waivers/{waiver_id}", claims=claims, body=body)


def renewal(api, member_id, year=2027):
    reply = api.request("GET", f"/me/renewals/{year}", claims=member_claims(member_id))
    assert reply.status == 200, reply.text
    return reply.json()


def invoices(api, member_id):
    reply = api.request("GET", "/me/invoices", claims=member_claims(member_id))
    assert reply.status == 200, reply.text
    return reply.json()["items"]


def invoice(api, member_id, year=2027):
    reply = api.request("GET", f"/me/invoices/INV-{year}-{member_id}", claims=member_claims(member_id))
    assert reply.status == 200, reply.text
    return reply.json()


def staff_member(api, member_id):
    reply = api.request("GET", f"/admin/members/{member_id}", claims=STAFF)
    assert reply.status == 200, reply.text
    return reply.json()


def pay_offline(api, member_id, amount, year=2027, reference="chk 1042"):
    reply = api.request("POST", f"/admin/invoices/INV-{year}-{member_id}/payments", claims=STAFF,
                        body={"method": "check", "reference": reference, "amount_cents": amount,
                              "received_on": "2026-11-20"})
    assert reply.status == 200, reply.text
    return reply.json()


def attention(api):
    reply = api.request("GET", "/admin/payments", claims=STAFF, query="needs_attention=true")
    assert reply.status == 200, reply.text
    return reply.json()["items"]


def error(reply, status, code=None):
    assert reply.status == status, reply.text
    body = reply.json()["error"]
    assert set(body) == {"code", "message", "details"} and body["message"]
    if code:
        assert body["code"] == code, body
    return body


def emails_to(member_id):
    return [e for e in sent_emails() if e["to"] == [f"{member_id.lower()}@example.org"]]


def on(day):
    clock.set_today(dt.date.fromisoformat(day))


@pytest.fixture
def season(api):
    """Rule set 2027 (CAM 8 CECs, $175); M-1, M-2 and M-3 hold CAM since 2019; no invoice yet."""
    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=RULE_SET_2027).status == 200
    for member_id in ("M-1", "M-2", "M-3"):
        put_member(api, member_id)
    return api


@pytest.fixture
def invoiced(season):
    invoice_run(season)
    return season


# ------------------------------------------------------------------ military deployment


def test_a_military_waiver_voids_the_open_invoice_and_the_renewal_reads_waived(invoiced):
    api = invoiced
    assert invoice(api, "M-1")["status"] == "open"
    waiver = granted(api, "M-1", note="Deployed to Bahrain until 2027-08")
    assert waiver["type"] == MILITARY and waiver["renewal_year"] == 2027 and waiver["member_id"] == "M-1"
    assert waiver["waiver_id"] and waiver["granted_by"] == "naaei:staff-1" and waiver["granted_at"]
    assert waiver["note"] == "Deployed to Bahrain until 2027-08" and waiver["revoked_at"] is None

    voided = invoice(api, "M-1")
    assert voided["status"] == "void" and voided["amount_due_cents"] == 0
    view = renewal(api, "M-1")
    assert view["status"] == "waived" and view["amount_due_cents"] == 0
    assert view["invoice_id"] == "INV-2027-M-1"  # stays set on a voided invoice
    assert view["cec"]["waived"] is True and view["cec_complete"] is True
    assert view["cec"]["outstanding"] == 0 and view["cec"]["outstanding_in_network"] == 0
    # The staff see the same, and the waiver on the member's record.
    assert api.request("GET", "/admin/members/M-1/renewals/2027", claims=STAFF).json() == view
    assert staff_member(api, "M-1")["waivers"] == [
        {"waiver_id": waiver["waiver_id"], "type": MILITARY, "renewal_year": 2027}]
    assert staff_member(api, "M-1")["credentials"][0]["status"] == "active"
    # Other members are untouched.
    assert invoice(api, "M-2")["status"] == "open" and renewal(api, "M-2")["status"] == "open"
    assert staff_member(api, "M-2")["waivers"] == []


def test_a_waived_member_whose_paid_invoice_awaits_its_refund_gets_no_lapse_reminder(invoiced):
    api = invoiced
    pay_offline(api, "M-1", 17500)
    granted(api, "M-1")
    before = {e["subject"] for e in emails_to("M-1")}
    on("2027-04-01")
    report = deadline_run(api)
    assert renewal(api, "M-1")["status"] == "waived"
    assert report["lapsed"] == 2  # M-2 and M-3, not the waived M-1
    assert {e["subject"] for e in emails_to("M-1")} == before


def test_a_waived_year_does_not_lapse_and_owes_no_reinstatement_fee(invoiced):
    api = invoiced
    granted(api, "M-1")
    on("2027-04-01")
    deadline_run(api)
    assert renewal(api, "M-1")["status"] == "waived"
    assert [line["code"] for line in invoice(api, "M-1")["lines"]] == ["CAM"]
    assert invoice(api, "M-1")["amount_due_cents"] == 0
    assert renewal(api, "M-2")["status"] == "lapsed"  # the unwaived member lapsed as usual
    me = api.request("GET", "/me", claims=M1).json()
    assert me["credentials"][0]["status"] == "active"


def test_a_waiver_granted_before_the_run_makes_the_run_skip_the_member(season):
    api = season
    waiver = granted(api, "M-1")
    # waivers.py: a not-yet-invoiced year gets a void invoice that records the waived year.
    (record,) = invoices(api, "M-1")
    assert record["invoice_id"] == "INV-2027-M-1" and record["status"] == "void"
    assert record["amount_due_cents"] == 0
    assert renewal(api, "M-1")["status"] == "waived"

    run = invoice_run(api)
    assert (run["members_seen"], run["invoices_created"], run["not_required"]) == (3, 2, 1)
    (record,) = invoices(api, "M-1")  # still the one void invoice, not billed
    assert record["status"] == "void" and record["amount_due_cents"] == 0
    assert renewal(api, "M-1")["status"] == "waived"
    assert not any("invoice" in e["subject"] for e in emails_to("M-1"))
    assert any("invoice" in e["subject"] for e in emails_to("M-2"))

    # Revoking it makes the year owed again, on that same invoice.
    assert revoke(api, "M-1", waiver["waiver_id"]).status == 200
    reopened = invoice(api, "M-1")
    assert reopened["status"] == "open" and reopened["amount_due_cents"] == 17500
    assert renewal(api, "M-1")["status"] == "open"


def test_a_paid_invoice_is_not_silently_voided_but_flagged_for_a_refund(invoiced):
    api = invoiced
    pay_offline(api, "M-1", 17500)
    assert attention(api) == []
    waiver = granted(api, "M-1")
    paid = invoice(api, "M-1")
    assert paid["status"] == "paid" and paid["amount_paid_cents"] == 17500
    (flag,) = attention(api)
    assert flag["reason"] == "waived_invoice_paid" and flag["needs_attention"] is True
    assert flag["invoice_id"] == "INV-2027-M-1" and flag["member_id"] == "M-1"
    assert flag["amount_cents"] == 17500 and flag["currency"] == "usd"
    assert renewal(api, "M-1")["status"] == "waived"
    # The year's invoice is paid: the waiver can no longer be revoked.
    error(revoke(api, "M-1", waiver["waiver_id"]), 409, "invoice_paid")
    assert [w["waiver_id"] for w in staff_member(api, "M-1")["waivers"]] == [waiver["waiver_id"]]


def test_revoking_a_military_waiver_reopens_the_invoice_it_voided(invoiced):
    api = invoiced
    waiver = granted(api, "M-1")
    assert invoice(api, "M-1")["status"] == "void"
    reply = revoke(api, "M-1", waiver["waiver_id"], note="Deployment cancelled")
    assert reply.status == 200, reply.text
    revoked = reply.json()
    assert revoked["waiver_id"] == waiver["waiver_id"]
    assert revoked["revoked_at"] and revoked["revoked_by"] == "naaei:staff-1"
    assert revoked["revoke_note"] == "Deployment cancelled"

    reopened = invoice(api, "M-1")
    assert reopened["status"] == "open" and reopened["amount_due_cents"] == 17500
    view = renewal(api, "M-1")
    assert view["status"] == "open" and view["cec"]["waived"] is False and view["cec"]["required"] == 8
    assert staff_member(api, "M-1")["waivers"] == []

    error(revoke(api, "M-1", waiver["waiver_id"]), 409, "waiver_revoked")
    # The member can pay it again, then a new waiver would only flag the payment.
    pay_offline(api, "M-1", 17500)
    assert invoice(api, "M-1")["status"] == "paid"


def test_unknown_waivers_and_members_are_404(invoiced):
    api = invoiced
    waiver = granted(api, "M-1")
    for member_id, waiver_id in (("M-2", waiver["waiver_id"]), ("M-1", "W-M-1-2031M"), ("M-1", "nonsense"),
                                 ("M-1", "W-M-1-2027E")):
        error(revoke(api, member_id, waiver_id), 404)
    error(grant(api, "M-404"), 404)
    assert invoice(api, "M-1")["status"] == "void"  # nothing was revoked


def test_one_waiver_per_year_and_type(invoiced):
    api = invoiced
    first = granted(api, "M-1")
    error(grant(api, "M-1"), 409, "waiver_exists")
    # Another type, or another year, is a different waiver (a year that exists: it has a rule set).
    emeritus = granted(api, "M-1", EMERITUS, 2027, note="Retired")
    error(grant(api, "M-1", MILITARY, 2028), 422, "rule_set_missing")
    rule_set_2028 = fresh(RULE_SET_2027)
    rule_set_2028.update(renewal_year=2028, due_date="2028-01-01", grace_ends="2028-03-31",
                         earning_window={"start": "2027-01-01", "end": "2027-12-31"})
    assert api.request("PUT", "/admin/rule-sets/2028", claims=STAFF, body=rule_set_2028).status == 200
    later = granted(api, "M-1", MILITARY, 2028)
    assert len({first["waiver_id"], emeritus["waiver_id"], later["waiver_id"]}) == 3
    assert sorted((w["type"], w["renewal_year"]) for w in staff_member(api, "M-1")["waivers"]) == [
        (EMERITUS, 2027), (MILITARY, 2027), (MILITARY, 2028)]
    # A revoked waiver may be granted again, and voids the reopened invoice again.
    assert revoke(api, "M-1", first["waiver_id"]).status == 200
    assert invoice(api, "M-1")["status"] == "open"
    again = granted(api, "M-1")
    assert again["waiver_id"] == first["waiver_id"] and again["revoked_at"] is None
    assert invoice(api, "M-1")["status"] == "void" and renewal(api, "M-1")["status"] == "waived"


@pytest.mark.parametrize("body", [{"type": "sabbatical", "renewal_year": 2027}, {"type": MILITARY},
                                  {"type": MILITARY, "renewal_year": 1999},
                                  {"type": MILITARY, "renewal_year": 2027, "extra": 1}])
def test_a_malformed_waiver_is_422_and_grants_nothing(season, body):
    api = season
    error(api.request("POST", "/admin/members/M-1/waivers", claims=STAFF, body=body), 422)
    assert staff_member(api, "M-1")["waivers"] == []


# ------------------------------------------------------------------ emeritus


def test_an_emeritus_holders_next_invoice_owes_the_fee_and_no_cecs(season):
    api = season
    granted(api, "M-1", EMERITUS, 2027, note="Retired after 30 years")
    before = renewal(api, "M-1")
    assert before["status"] == "open" and before["invoice_id"] is None
    assert before["cec"]["waived"] is True and before["cec"]["required"] == 0

    invoice_run(api)
    emeritus = invoice(api, "M-1")
    assert emeritus["status"] == "open"
    assert [(l["code"], l["amount_cents"]) for l in emeritus["lines"]] == [("CAM", 17500)]  # the normal fee
    assert emeritus["total_cents"] == emeritus["amount_due_cents"] == 17500
    assert emeritus["cec_required"] == 0 and emeritus["in_network_required"] == 0
    view = renewal(api, "M-1")
    assert view["cec"]["waived"] is True and view["cec_complete"] is True and view["status"] == "open"
    # Paying the fee renews the year: no CECs are owed.
    pay_offline(api, "M-1", 17500)
    assert renewal(api, "M-1")["status"] == "renewed"
    # The others owe their CECs as usual.
    assert invoice(api, "M-2")["cec_required"] == 8 and renewal(api, "M-2")["cec"]["waived"] is False


def test_the_rule_sets_emeritus_fee_applies_per_credential_and_from_the_named_year_on(api):
    rule_set = fresh(RULE_SET_2027)
    rule_set["credentials"]["CAM"]["emeritus_fee_cents"] = 5000  # CALP has none: its normal fee
    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=rule_set).status == 200
    put_member(api, "M-1", ("CAM", "2019-05-04"), ("CALP", "2020-02-01"))
    put_member(api, "M-2", ("CAM", "2019-05-04"), ("CALP", "2020-02-01"))
    rule_set_2028 = fresh(rule_set)
    rule_set_2028.update(renewal_year=2028, due_date="2028-01-01", grace_ends="2028-03-31",
                         earning_window={"start": "2027-01-01", "end": "2027-12-31"})
    assert api.request("PUT", "/admin/rule-sets/2028", claims=STAFF, body=rule_set_2028).status == 200
    granted(api, "M-1", EMERITUS, 2027)
    granted(api, "M-2", EMERITUS, 2028)  # not yet emeritus for 2027
    invoice_run(api)
    first = invoice(api, "M-1")
    assert [(l["code"], l["amount_cents"]) for l in first["lines"]] == [("CAM", 5000), ("CALP", 12500)]
    assert first["total_cents"] == 17500 and first["cec_required"] == 0
    regular = invoice(api, "M-2")
    assert [(l["code"], l["amount_cents"]) for l in regular["lines"]] == [("CAM", 17500), ("CALP", 12500)]
    assert regular["cec_required"] == 8 and renewal(api, "M-2")["cec"]["waived"] is False

    # 2028: both are emeritus now (from the named year on), with the same fees.
    on("2027-10-01")
    invoice_run(api, 2028)
    for member_id in ("M-1", "M-2"):
        later = invoice(api, member_id, 2028)
        assert [(l["code"], l["amount_cents"]) for l in later["lines"]] == [("CAM", 5000), ("CALP", 12500)]
        assert later["cec_required"] == 0 and later["in_network_required"] == 0
        assert renewal(api, member_id, 2028)["cec"]["waived"] is True


def test_an_emeritus_waiver_after_the_invoice_waives_the_cecs_of_that_year(invoiced):
    api = invoiced
    assert renewal(api, "M-1")["cec_complete"] is False
    granted(api, "M-1", EMERITUS, 2027)
    view = renewal(api, "M-1")
    assert view["cec"]["waived"] is True and view["cec_complete"] is True
    assert view["status"] == "open" and view["amount_due_cents"] == 17500  # the fee is still owed
    assert invoice(api, "M-1")["status"] == "open"  # an emeritus waiver voids nothing


# ------------------------------------------------------------------ authorization


def test_only_institute_staff_grant_revoke_and_decide(invoiced):
    api = invoiced
    waiver = granted(api, "M-2")
    request_id = api.request("POST", "/me/waiver-requests", claims=M3,
                             body={"type": EMERITUS, "renewal_year": 2027, "reason": "Retired"}).json()["request_id"]
    for claims, status in ((M1, 403), (M2, 403), (AFFILIATE, 403), (None, 401)):
        replies = [
            grant(api, "M-1", claims=claims),
            revoke(api, "M-2", waiver["waiver_id"], claims=claims),
            api.request("GET", "/admin/waiver-requests", claims=claims, query="status=pending"),
            api.request("POST", f"/admin/waiver-requests/{request_id}/decision", claims=claims,
                        body={"decision": "approve"}),
        ]
        for reply in replies:
            assert reply.status == status, (claims, reply.text)
    # Nothing changed.
    assert invoice(api, "M-1")["status"] == "open" and invoice(api, "M-2")["status"] == "void"
    assert staff_member(api, "M-1")["waivers"] == [] and len(staff_member(api, "M-2")["waivers"]) == 1
    assert pending(api) and pending(api)[0]["request_id"] == request_id


def test_only_members_request_waivers(season):
    api = season
    for claims, status in ((STAFF, 403), (AFFILIATE, 403), (None, 401)):
        reply = api.request("POST", "/me/waiver-requests", claims=claims,
                            body={"type": MILITARY, "renewal_year": 2027, "reason": "Deployed"})
        assert reply.status == status, reply.text
    assert pending(api) == []


# ------------------------------------------------------------------ members' requests


def request(api, claims, kind=MILITARY, year=2027, reason="Deployed with my unit", upload_id=None):
    body = {"type": kind, "renewal_year": year, "reason": reason}
    if upload_id is not None:
        body["document_upload_id"] = upload_id
    return api.request("POST", "/me/waiver-requests", claims=claims, body=body)


def requested(api, claims, **kwargs):
    reply = request(api, claims, **kwargs)
    assert reply.status == 201, reply.text
    return reply.json()


def queue_page(api, status="pending", limit=None, token=None):
    query = f"status={status}" + (f"&limit={limit}" if limit else "") + (f"&next_token={token}" if token else "")
    reply = api.request("GET", "/admin/waiver-requests", claims=STAFF, query=query)
    assert reply.status == 200, reply.text
    return reply.json()


def pending(api):
    return queue_page(api)["items"]


def decide(api, request_id, decision, note=None):
    body = {"decision": decision}
    if note is not None:
        body["note"] = note
    return api.request("POST", f"/admin/waiver-requests/{request_id}/decision", claims=STAFF, body=body)


@pytest.fixture
def ticking(monkeypatch):
    """Record timestamps a second apart, so "oldest first" has one answer."""
    from renewal import clock as domain_clock

    start = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
    ticks = iter(range(10_000))
    monkeypatch.setattr(domain_clock, "now", lambda: start + dt.timedelta(seconds=next(ticks)))


def test_a_members_request_is_pending_in_the_staff_queue_oldest_first_page_by_page(invoiced, ticking):
    api = invoiced
    made = []
    for claims in (M2, M1, M3):
        reply = requested(api, claims, reason=f"Request of {claims['custom:member_id']}")
        assert reply["status"] == "pending" and reply["request_id"]
        assert reply["member_id"] == claims["custom:member_id"] and reply["type"] == MILITARY
        made.append(reply["request_id"])
    # Nothing is waived until staff decide.
    assert renewal(api, "M-1")["status"] == "open" and invoice(api, "M-1")["status"] == "open"

    first = queue_page(api, limit=2)
    assert [r["request_id"] for r in first["items"]] == made[:2] and first["next_token"]
    second = queue_page(api, limit=2, token=first["next_token"])
    assert [r["request_id"] for r in second["items"]] == made[2:]
    assert second["next_token"] is None or queue_page(api, limit=2, token=second["next_token"])["items"] == []
    item = first["items"][0]
    assert (item["member_id"], item["renewal_year"], item["reason"]) == ("M-2", 2027, "Request of M-2")
    assert queue_page(api, status="approved")["items"] == []
    error(api.request("GET", "/admin/waiver-requests", claims=STAFF, query="status=bogus"), 422)
    error(api.request("GET", "/admin/waiver-requests", claims=STAFF, query="next_token=garbage"), 422)


def test_two_requests_in_the_same_second_are_still_listed_oldest_first(invoiced, monkeypatch):
    from renewal import clock as domain_clock, waivers

    api = invoiced
    # Both requests land within one second (a few microseconds apart).
    instants = iter(dt.datetime(2026, 11, 28, 9, 0, 0, 250_000 + n, tzinfo=dt.UTC) for n in range(100))
    monkeypatch.setattr(domain_clock, "now", lambda: next(instants))
    random_ids = iter(["ffffffffffff", "000000000000"])  # the first made draws the larger id
    monkeypatch.setattr(waivers.secrets, "token_hex", lambda n: next(random_ids))
    first = requested(api, M1, reason="first")["request_id"]
    second = requested(api, M1, kind=EMERITUS, reason="second")["request_id"]
    assert [r["request_id"] for r in pending(api)] == [first, second]


def test_approving_a_request_grants_the_waiver_and_tells_the_member(invoiced):
    api = invoiced
    made = requested(api, M1, reason="Deployed to Bahrain")
    reply = decide(api, made["request_id"], "approve", note="Orders received")
    assert reply.status == 200, reply.text
    approved = reply.json()
    assert approved["status"] == "approved" and approved["decided_by"] == "naaei:staff-1"
    assert approved["decided_at"] and approved["waiver_id"]

    assert renewal(api, "M-1")["status"] == "waived"
    assert invoice(api, "M-1")["status"] == "void"
    (waiver,) = staff_member(api, "M-1")["waivers"]
    assert waiver == {"waiver_id": approved["waiver_id"], "type": MILITARY, "renewal_year": 2027}
    (mail,) = [e for e in emails_to("M-1") if "waiver" in e["subject"]]
    assert "approved" in mail["subject"] and "2027" in mail["text"] and "Orders received" in mail["text"]

    assert pending(api) == []
    assert [r["request_id"] for r in queue_page(api, status="approved")["items"]] == [made["request_id"]]
    # Decided once: a second decision either way is a conflict, and nothing changes.
    error(decide(api, made["request_id"], "approve"), 409, "already_decided")
    error(decide(api, made["request_id"], "reject", note="Changed my mind"), 409, "already_decided")
    assert renewal(api, "M-1")["status"] == "waived"
    assert len([e for e in emails_to("M-1") if "waiver" in e["subject"]]) == 1


def test_approving_an_emeritus_request_waives_the_cecs(invoiced):
    api = invoiced
    made = requested(api, M2, kind=EMERITUS, reason="Retired in June")
    assert decide(api, made["request_id"], "approve").status == 200
    view = renewal(api, "M-2")
    assert view["cec"]["waived"] is True and view["status"] == "open" and view["amount_due_cents"] == 17500
    assert [w["type"] for w in staff_member(api, "M-2")["waivers"]] == [EMERITUS]


def test_a_rejection_needs_a_note_and_tells_the_member(invoiced):
    api = invoiced
    made = requested(api, M1)
    missing = error(decide(api, made["request_id"], "reject"), 422)
    assert any(d.get("field") == "note" for d in missing["details"])
    assert [r["request_id"] for r in pending(api)] == [made["request_id"]]  # still pending

    reply = decide(api, made["request_id"], "reject", note="Please attach your deployment orders.")
    assert reply.status == 200, reply.text
    assert reply.json()["status"] == "rejected" and reply.json()["note"] == "Please attach your deployment orders."
    (mail,) = [e for e in emails_to("M-1") if "waiver" in e["subject"]]
    assert "rejected" in mail["subject"] and "Please attach your deployment orders." in mail["text"]
    assert renewal(api, "M-1")["status"] == "open" and invoice(api, "M-1")["status"] == "open"
    assert staff_member(api, "M-1")["waivers"] == []
    assert pending(api) == [] and len(queue_page(api, status="rejected")["items"]) == 1
    error(decide(api, made["request_id"], "approve"), 409, "already_decided")


def test_unknown_requests_are_404(invoiced):
    api = invoiced
    error(decide(api, "R-M-1-000000000000", "approve"), 404)
    error(decide(api, "nonsense", "approve"), 404)


def test_a_request_may_reference_only_an_uploaded_document_of_the_members_own(invoiced):
    api = invoiced
    upload = api.request("POST", "/me/uploads", claims=M1,
                         body={"content_type": "application/pdf", "size_bytes": 2048}).json()
    never_uploaded = error(request(api, M1, upload_id=upload["upload_id"]), 422)
    assert any(d.get("field") == "document_upload_id" for d in never_uploaded["details"])
    error(request(api, M1, upload_id="U-M-1-0000000000000000"), 422)
    assert pending(api) == []

    boto3.client("s3").put_object(Bucket=BUCKET, Key=upload["fields"]["key"], Body=b"%PDF-1.7 orders",
                                  ContentType="application/pdf")
    error(request(api, M2, upload_id=upload["upload_id"]), 422)  # another member's upload
    made = requested(api, M1, upload_id=upload["upload_id"])
    assert made["document_upload_id"] == upload["upload_id"]
    (listed,) = pending(api)
    assert listed["document_url"] and f"documents/M-1/{upload['upload_id']}" in listed["document_url"]  # kept copy


@pytest.mark.parametrize("body", [{"type": MILITARY, "renewal_year": 2027},
                                  {"type": MILITARY, "renewal_year": 2027, "reason": "  "},
                                  {"type": "sabbatical", "renewal_year": 2027, "reason": "x"},
                                  {"type": MILITARY, "renewal_year": 2027, "reason": "x", "member_id": "M-2"}])
def test_a_malformed_request_is_422(season, body):
    api = season
    error(api.request("POST", "/me/waiver-requests", claims=M1, body=body), 422)
    assert pending(api) == []


def my_requests(api, claims, limit=None, token=None):
    query = "&".join(part for part in (f"limit={limit}" if limit else "", f"next_token={token}" if token else "")
                     if part)
    reply = api.request("GET", "/me/waiver-requests", claims=claims, query=query)
    assert reply.status == 200, reply.text
    return reply.json()


def test_a_member_lists_their_own_waiver_requests_newest_first_with_the_decision(invoiced, ticking):
    api = invoiced
    assert my_requests(api, M1) == {"items": [], "next_token": None}
    military = requested(api, M1, reason="Deployed")["request_id"]
    emeritus = requested(api, M1, kind=EMERITUS, reason="Retired")["request_id"]
    requested(api, M2)
    assert decide(api, military, "reject", note="Send the orders, please").status == 200

    listed = my_requests(api, M1)
    assert [r["request_id"] for r in listed["items"]] == [emeritus, military]
    assert [(r["status"], r["note"]) for r in listed["items"]] == [("pending", None),
                                                                   ("rejected", "Send the orders, please")]
    first = my_requests(api, M1, limit=1)
    assert [r["request_id"] for r in first["items"]] == [emeritus]
    assert [r["request_id"] for r in my_requests(api, M1, limit=1, token=first["next_token"])["items"]] == [military]
    for claims, status in ((STAFF, 403), (AFFILIATE, 403), (None, 401)):
        assert api.request("GET", "/me/waiver-requests", claims=claims).status == status


def test_one_pending_request_per_member_type_and_year_for_a_year_that_exists(invoiced):
    api = invoiced
    first = requested(api, M1)
    error(request(api, M1), 409, "request_pending")
    requested(api, M1, kind=EMERITUS, reason="Retired in June")  # another type: its own request
    error(request(api, M1, year=2031), 422, "rule_set_missing")
    error(grant(api, "M-1", EMERITUS, 2031), 422, "rule_set_missing")
    # Once decided, the member may ask again; the rejection is audited with its note.
    assert decide(api, first["request_id"], "reject", note="No orders attached").status == 200
    again = requested(api, M1)
    assert again["request_id"] != first["request_id"]
    history = api.request("GET", "/admin/members/M-1/history", claims=STAFF).json()["items"]
    (decided,) = [e for e in history if e["action"] == "waiver_request.decide"]
    assert decided["changes"]["status"]["to"] == "rejected"
    assert decided["changes"]["note"]["to"] == "No orders attached"
    assert decided["changes"]["request_id"]["to"] == first["request_id"]
    mail = [e for e in emails_to("M-1") if "waiver request" in e["subject"]]
    assert mail and "a military deployment waiver" in mail[-1]["text"]
    decide(api, again["request_id"], "approve")
    emeritus_mail = [e for e in emails_to("M-1") if "emeritus" in e["subject"]]
    assert not emeritus_mail or "an emeritus waiver" in emeritus_mail[-1]["text"]
