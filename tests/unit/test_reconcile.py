"""An invoice follows the member (renewal.reconcile), as pure steps: over any
sequence of changes (credentials added or removed, an emeritus waiver granted
or revoked, payments, refunds, disputes won or lost) the invoice's lines that
count are always the rule set applied to the member's record, and what was
paid minus what went back never disappears."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from renewal import dues, invoicing, reconcile
from renewal.rules import RuleSet

TODAY = dt.date(2026, 11, 28)
RULES = RuleSet(
    renewal_year=2027, due_date="2027-01-01", grace_ends="2027-03-31", reinstatement_fee_cents=5000,
    earning_window={"start": "2026-01-01", "end": "2026-12-31"}, participation_cap=2,
    credentials={
        "CAM": {"cec_required": 8, "in_network_min": 5, "fee_cents": 17500, "renews_annually": True,
                "emeritus_fee_cents": 10000},
        "CALP": {"cec_required": 5, "in_network_min": 3, "fee_cents": 12500, "renews_annually": True},
        "CAPS": {"cec_required": 8, "in_network_min": 5, "fee_cents": 17500, "renews_annually": True,
                 "emeritus_fee_cents": 0},
        "CAMT": {"cec_required": 0, "in_network_min": 0, "fee_cents": 0, "renews_annually": False},
    })
EARNED = {"CAM": dt.date(2019, 5, 4), "CALP": dt.date(2020, 2, 1), "CAPS": dt.date(2021, 6, 1),
          "CAMT": dt.date(2010, 1, 1)}
EMERITUS = {"type": "emeritus", "renewal_year": 2027, "waiver_id": "W-M-1-2027E", "SK": "WAIVER#2027#emeritus"}


def held(codes):
    return [invoicing.Held(code, EARNED[code]) for code in sorted(codes)]


def first_invoice(codes, emeritus):
    assessment = invoicing.assess(held(codes), RULES, emeritus=emeritus)
    lines = [line.model_dump() for line in assessment.lines]
    return {"invoice_id": "INV-2027-M-1", "member_id": "M-1", "renewal_year": 2027, "status": "open",
            "currency": "usd", "lines": lines, "total_cents": dues.stored_total(lines), "amount_paid_cents": 0,
            "credentials": list(assessment.renewable), "cec_required": assessment.cec_required,
            "in_network_required": assessment.in_network_required, "cec_waived": assessment.cec_waived,
            "terms": {"grace_ends": "2027-03-31", "reinstatement_fee_cents": 5000}, "payments": []}


changes = st.lists(st.one_of(
    st.tuples(st.just("add"), st.sampled_from(["CAM", "CALP", "CAPS", "CAMT"])),
    st.tuples(st.just("remove"), st.sampled_from(["CAM", "CALP", "CAPS", "CAMT"])),
    st.tuples(st.just("emeritus"), st.booleans()),
    st.tuples(st.just("pay"), st.none()),
    st.tuples(st.just("refund"), st.integers(min_value=1, max_value=40000)),
    st.tuples(st.just("dispute"), st.sampled_from(["won", "lost"])),
), max_size=12)


@settings(max_examples=300)
@given(start=st.sets(st.sampled_from(["CAM", "CALP", "CAPS", "CAMT"]), min_size=1), emeritus=st.booleans(),
       steps=changes)
def test_the_invoice_is_always_the_rule_set_applied_to_the_record_and_no_money_disappears(start, emeritus, steps):
    codes = set(start)
    invoice = first_invoice(codes, emeritus)
    paid_in = returned = 0
    for kind, value in steps:
        if kind == "add":
            codes.add(value)
        elif kind == "remove":
            codes.discard(value)
        elif kind == "emeritus":
            emeritus = value
        elif kind == "pay" and dues.payable(invoice):
            due = dues.owed(invoice, TODAY).amount_due_cents
            if due > 0:
                lines, _ = dues.settled_lines(invoice, TODAY)
                invoice = {**invoice, "lines": lines, "status": "paid",
                           "amount_paid_cents": invoice["amount_paid_cents"] + due}
                paid_in += due
        elif kind == "refund" and invoice["status"] in ("paid", "open", "refunded"):
            amount = min(value, invoice["amount_paid_cents"])
            invoice = dues.after_refund(invoice, amount)
            returned += amount
        elif kind == "dispute" and invoice["status"] == "paid":
            disputed = {**invoice, "status": "disputed"}
            if value == "won":
                invoice = dues.after_dispute_won(disputed)
            else:
                amount = invoice["amount_paid_cents"]
                invoice = dues.after_refund(disputed, amount, dispute_closed=True)
                returned += amount
        if kind in ("add", "remove", "emeritus"):
            waivers = [EMERITUS] if emeritus else []
            invoice, _ = reconcile.follow(invoice, held(codes), waivers, RULES, TODAY)
            again, repeat = reconcile.follow(invoice, held(codes), waivers, RULES, TODAY)
            assert again == invoice and set(repeat) <= {"overpaid_cents"}  # following twice changes nothing
        # The lines that count are the rule set applied to the record, whatever happened before.
        expected = invoicing.assess(held(codes), RULES, emeritus=emeritus)
        counted = sorted((l["code"], l["amount_cents"]) for l in invoice["lines"] if not l.get("void")
                         and l["code"] != dues.REINSTATEMENT)
        if kind in ("add", "remove", "emeritus") or not steps:
            assert counted == sorted((l.code, l.amount_cents) for l in expected.lines)
            assert invoice["cec_required"] == expected.cec_required
        # Money: what was paid minus what went back is what the invoice holds; nothing lost.
        assert invoice["amount_paid_cents"] == paid_in - returned >= 0
        # A paid invoice is covered; one that owes more is open (or refunded, payable again).
        total = dues.stored_total(invoice["lines"])
        if invoice["status"] == "paid":
            assert invoice["amount_paid_cents"] >= total
        if invoice["status"] in ("open", "refunded") and invoice["amount_paid_cents"] > 0:
            assert invoice["amount_paid_cents"] < total or reconcile.overpaid(invoice) == 0
        assert reconcile.overpaid(invoice) == max(0, invoice["amount_paid_cents"] - total) \
            if invoice["status"] in ("paid", "open") else True


def test_a_void_line_is_kept_with_its_reason_and_left_out_of_the_total():
    invoice = first_invoice({"CAM", "CALP"}, False)
    after, changes = reconcile.follow(invoice, held({"CAM"}), [], RULES, TODAY)
    assert changes["voided"] == ["CALP"] and after["total_cents"] == 17500
    calp = next(l for l in after["lines"] if l["code"] == "CALP")
    assert calp["void"] and calp["void_reason"] == "CALP no longer held (2026-11-28)"
    assert "cec_required" not in changes  # the larger requirement, CAM's, stays


def test_only_the_years_being_renewed_follow():
    assert reconcile.follows({"renewal_year": 2026}, TODAY)
    assert reconcile.follows({"renewal_year": 2027}, TODAY)
    assert not reconcile.follows({"renewal_year": 2025}, TODAY)
    assert not reconcile.follows({"renewal_year": 2027, "voided_by_waiver": "W-M-1-2027M"}, TODAY)
