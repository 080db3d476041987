"""Renewal e-mails (issue 3, deadline run): which stage notice is due on which
day, around the exact boundaries: the reminder N days before the due date,
grace from the day after the due date, lapsed from the day after grace ends.
Pure: no SES."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewal.notices import DUE_SOON, GRACE_STARTED, INVOICE_ISSUED, LAPSED, compose, stage_notice

DAY = dt.timedelta(days=1)
DUE, GRACE_ENDS = dt.date(2027, 1, 1), dt.date(2027, 3, 31)


@pytest.mark.parametrize(
    "today, expected",
    [
        (dt.date(2026, 10, 1), None),        # invoice run day: the invoice notice is sent, no stage notice yet
        (dt.date(2026, 12, 1), None),        # 31 days before
        (dt.date(2026, 12, 2), DUE_SOON),    # exactly 30 days before
        (DUE - DAY, DUE_SOON),
        (DUE, DUE_SOON),                     # the due date itself is not past due
        (DUE + DAY, GRACE_STARTED),
        (GRACE_ENDS, GRACE_STARTED),         # last day of grace
        (GRACE_ENDS + DAY, LAPSED),          # 1 April
        (dt.date(2028, 1, 1), LAPSED),
    ],
)
def test_stage_notice_at_the_exact_boundaries(today, expected):
    assert stage_notice(today, DUE, GRACE_ENDS, days_before_due=30) == expected


def test_reminder_days_come_from_the_rule_set():
    assert stage_notice(DUE - 7 * DAY, DUE, GRACE_ENDS, days_before_due=7) == DUE_SOON
    assert stage_notice(DUE - 8 * DAY, DUE, GRACE_ENDS, days_before_due=7) is None
    # Zero days: the reminder goes out on the due date only.
    assert stage_notice(DUE - DAY, DUE, GRACE_ENDS, days_before_due=0) is None
    assert stage_notice(DUE, DUE, GRACE_ENDS, days_before_due=0) == DUE_SOON


@given(
    st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2099, 1, 1)),
    st.integers(min_value=1, max_value=200),
    st.integers(min_value=0, max_value=366),
    st.integers(min_value=-500, max_value=500),
)
def test_stage_notice_over_random_dates(due, grace_days, days_before_due, offset):
    grace_ends = due + dt.timedelta(days=grace_days)
    today = due + dt.timedelta(days=offset)
    notice = stage_notice(today, due, grace_ends, days_before_due)
    if offset > grace_days:
        assert notice == LAPSED
    elif offset > 0:
        assert notice == GRACE_STARTED
    elif offset >= -days_before_due:
        assert notice == DUE_SOON
    else:
        assert notice is None
    # Stages only move forward as days pass.
    order = [None, DUE_SOON, GRACE_STARTED, LAPSED]
    assert order.index(notice) <= order.index(stage_notice(today + DAY, due, grace_ends, days_before_due))


def invoice(**changes) -> dict:
    record = {
        "invoice_id": "INV-2027-M-1001",
        "member_id": "M-1001",
        "renewal_year": 2027,
        "status": "open",
        "credentials": ["CAM", "CALP"],
        "lines": [{"code": "CAM", "description": "CAM renewal 2027", "amount_cents": 17500},
                  {"code": "CALP", "description": "CALP renewal 2027", "amount_cents": 12500}],
        "total_cents": 30000,
        "amount_paid_cents": 0,
        "cec_required": 8.0,
        "in_network_required": 5.0,
        "due_date": "2027-01-01",
        "terms": {"grace_ends": "2027-03-31", "reinstatement_fee_cents": 5000},
    }
    record.update(changes)
    return record


@pytest.mark.parametrize("kind", [INVOICE_ISSUED, DUE_SOON, GRACE_STARTED, LAPSED])
def test_every_notice_names_the_year_and_greets_the_member(kind):
    subject, text = compose(kind, invoice(), "Ana", today=dt.date(2026, 11, 1))
    assert "2027" in subject
    assert text.startswith("Dear Ana,")


def test_invoice_notice_states_amount_credentials_and_the_shared_requirement():
    _, text = compose(INVOICE_ISSUED, invoice(), "Ana", today=dt.date(2026, 10, 1))
    assert "$300.00" in text and "CAM, CALP" in text and "8 CECs (5 in-network)" in text
    assert "INV-2027-M-1001" in text and "2027-01-01" in text


def test_lapsed_notice_states_the_amount_including_reinstatement_and_the_grace_end():
    # 1 April: the fee is owed whether or not the daily run wrote its line.
    _, text = compose(LAPSED, invoice(), "Ana", today=dt.date(2027, 4, 1))
    assert "$350.00" in text and "2027-03-31" in text and "reinstatement" in text.lower()


# ------------------------------------------------------------------ what a notice asks for, by state

from renewal import notices  # noqa: E402

APRIL_1, NOV = dt.date(2027, 4, 1), dt.date(2026, 11, 1)


def with_record(*, paid=False, approved=0.0, approved_in_network=0.0, complete=False, **changes):
    record = invoice(status="paid" if paid else "open", amount_paid_cents=30000 if paid else 0, **changes)
    record["record"] = {"paid": paid, "cec_approved": approved, "cec_approved_in_network": approved_in_network,
                        "cec_complete": complete, "cec_waived": False}
    return record


def test_the_lapse_notice_to_a_member_who_paid_names_the_missing_cecs_and_asks_no_money():
    _, text = compose(LAPSED, with_record(paid=True, approved=5, approved_in_network=4), "Ana", today=APRIL_1)
    assert "CECs still needed: 3 CECs, 1 of them in-network." in text
    assert "Amount due" not in text and "reinstatement" not in text.lower() and "$" not in text
    assert "no payment is due" in text


def test_the_lapse_notice_to_an_unpaid_member_with_complete_cecs_asks_only_for_the_money_with_the_fee():
    _, text = compose(LAPSED, with_record(approved=8, approved_in_network=5, complete=True), "Ana", today=APRIL_1)
    assert "Amount due: $350.00, including the $50.00 reinstatement fee." in text
    assert "CEC" not in text.split("lapsed.", 1)[1]


def test_before_the_grace_end_the_fee_is_not_mentioned_and_done_cecs_are_not_asked_for():
    _, text = compose(DUE_SOON, with_record(approved=8, approved_in_network=5, complete=True), "Ana",
                      today=dt.date(2026, 12, 15))
    assert "Amount due: $300.00." in text and "reinstatement" not in text and "CECs still needed" not in text
    _, text = compose(GRACE_STARTED, with_record(approved=7.5, approved_in_network=5), "Ana", today=dt.date(2027, 2, 1))
    assert "CECs still needed: 0.5 CECs." in text


@pytest.mark.parametrize("missing, in_network, expected", [
    (1.0, 0.0, "CECs still needed: 1 CEC."),
    (1.5, 1.0, "CECs still needed: 1.5 CECs, 1 of them in-network."),
    (0.0, 1.0, "CECs still needed: 1 in-network CEC."),
    (0.0, 2.0, "CECs still needed: 2 in-network CECs."),
])
def test_cec_counts_agree_with_their_nouns(missing, in_network, expected):
    record = with_record(approved=8 - missing, approved_in_network=5 - in_network)
    assert notices.cecs_owed(record) == expected


def test_a_changed_invoice_says_what_changed_and_what_is_owed():
    changed = invoice(lines=[{"code": "CAM", "description": "CAM renewal 2027", "amount_cents": 17500},
                             {"code": "CALP", "description": "CALP", "amount_cents": 12500, "void": True},
                             {"code": "CAPS", "description": "CAPS renewal 2027", "amount_cents": 17500}])
    _, text = notices.invoice_changed(changed, {"added": ["CAPS"], "voided": ["CALP"],
                                                "cec_required": {"from": 5, "to": 8}}, NOV)
    assert "Added: CAPS ($175.00)" in text and "Removed: CALP" in text and "now 8 CECs (5 in-network)" in text
    assert "Amount due: $350.00." in text
    paid = {**changed, "status": "paid", "amount_paid_cents": 47500}
    _, text = notices.invoice_changed(paid, {"voided": ["CALP"], "overpaid_cents": 12500}, NOV)
    assert "we will refund it" in text and "$125.00" in text


def test_decision_e_mails_use_singular_and_articles():
    _, body = notices.submission_decided({"submission_id": "S-1", "renewal_year": 2027, "status": "partially_approved",
                                          "note": None, "activities": [
                                              {"title": "Expo", "completed_on": "2026-06-01", "cec": 1.0,
                                               "status": "approved"},
                                              {"title": "Board", "completed_on": "2026-07-01", "cec": 2.5,
                                               "status": "not_counted", "note": "Over the participation cap."}]})
    assert "(2026-06-01, 1 CEC): approved" in body and "(2026-07-01, 2.5 CECs): not counted" in body
    assert "a military deployment waiver" in notices.waiver_request_decided("military_deployment", 2027,
                                                                            "approved", None)[1]
    assert "an emeritus waiver" in notices.waiver_request_decided("emeritus", 2027, "rejected", "No proof")[1]
