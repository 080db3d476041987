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
