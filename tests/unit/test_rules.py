"""Rule-set validation: every number comes from the rule set, and a rule set
that could not be applied is refused."""

import copy
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from renewal.rules import RuleSetIn

VALID = {
    "renewal_year": 2027,
    "currency": "usd",
    "due_date": "2027-01-01",
    "grace_ends": "2027-03-31",
    "reinstatement_fee_cents": 5000,
    "earning_window": {"start": "2026-01-01", "end": "2026-12-31"},
    "participation_cap": 2,
    "credentials": {
        "CAM": {"cec_required": 8, "in_network_min": 5, "fee_cents": 17500, "renews_annually": True},
        "CAMT": {"cec_required": 0, "in_network_min": 0, "fee_cents": 0, "renews_annually": False},
    },
}


def with_changes(**changes):
    body = copy.deepcopy(VALID)
    body.update(changes)
    return body


def test_the_contract_example_is_valid():
    rule_set = RuleSetIn(**VALID)
    assert rule_set.credentials["CAM"].cec_required == 8
    assert rule_set.require_complete_submission is True
    assert rule_set.first_year_cec_waived is True


def test_nalp_is_stored_as_calp():
    body = with_changes(credentials={"NALP": {"cec_required": 3, "in_network_min": 2, "fee_cents": 100, "renews_annually": True}})
    assert list(RuleSetIn(**body).credentials) == ["CALP"]


@pytest.mark.parametrize(
    "body",
    [
        with_changes(reinstatement_fee_cents=-1),
        with_changes(participation_cap=-0.5),
        with_changes(participation_cap=1.25),
        with_changes(credentials={"XYZ": VALID["credentials"]["CAM"]}),
        with_changes(credentials={"CAM": {**VALID["credentials"]["CAM"], "fee_cents": -5}}),
        with_changes(credentials={"CAM": {**VALID["credentials"]["CAM"], "in_network_min": 9}}),
        with_changes(credentials={}),
        with_changes(earning_window={"start": "2026-01-01", "end": "2027-01-01"}),
        with_changes(earning_window={"start": "2026-12-31", "end": "2026-01-01"}),
        with_changes(grace_ends="2027-01-01"),
        with_changes(grace_ends="2026-12-01"),
        with_changes(currency="eur"),
        with_changes(surprise=True),
    ],
    ids=[
        "negative fee", "negative cap", "cap not in half credits", "unknown credential", "negative credential fee",
        "in-network above requirement", "no credentials", "window ends on due date", "window reversed",
        "grace ends on due date", "grace before due date", "currency", "unknown field",
    ],
)
def test_invalid_rule_sets_are_refused(body):
    with pytest.raises(ValidationError):
        RuleSetIn(**body)


@given(
    due=st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2099, 1, 1)),
    window_gap=st.integers(min_value=-30, max_value=400),
    grace_gap=st.integers(min_value=-30, max_value=200),
)
def test_timeline_is_accepted_exactly_when_window_precedes_due_date_and_grace_follows(due, window_gap, grace_gap):
    window_end = due - dt.timedelta(days=window_gap)
    body = with_changes(
        due_date=due.isoformat(),
        grace_ends=(due + dt.timedelta(days=grace_gap)).isoformat(),
        earning_window={"start": (window_end - dt.timedelta(days=364)).isoformat(), "end": window_end.isoformat()},
    )
    should_pass = window_gap > 0 and grace_gap > 0
    try:
        RuleSetIn(**body)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == should_pass
