"""Continuing-education credits (docs/domain.md "CECs"): credit per
activity, what counts toward a renewal year (earning window, participation cap,
in-network types, refused types, approval), and when the requirement is met.
Pure: no AWS."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewal import cec
from renewal.cec import Tally, complete, credit, tally

DAY = dt.timedelta(days=1)
# The 2027 renewal counts CECs earned in 2026.
START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def activity(kind: str, amount: float, completed_on: dt.date | str = dt.date(2026, 6, 1),
             status: str = "approved") -> dict:
    day = completed_on.isoformat() if isinstance(completed_on, dt.date) else completed_on
    return {"type": kind, "cec": amount, "completed_on": day, "status": status}


# ------------------------------------------------------------------ credit


def test_must_show_250_contact_minutes_with_60_minutes_of_break_credit_3():
    assert credit(250, 60) == 3.0  # 190 minutes = 3.17 hours, rounded down to 3.0


@pytest.mark.parametrize(
    "contact, breaks, expected",
    [(0, 0, 0.0), (29, 0, 0.0), (30, 0, 0.5), (59, 0, 0.5), (60, 0, 1.0), (89, 0, 1.0), (90, 0, 1.5),
     (480, 60, 7.0), (60, 60, 0.0), (30, 60, 0.0)],
)
def test_credit_is_net_hours_rounded_down_to_the_half(contact, breaks, expected):
    assert credit(contact, breaks) == expected


minutes = st.integers(min_value=0, max_value=100_000)


@given(minutes, minutes)
def test_credit_is_net_minutes_over_60_rounded_down_to_the_half_and_never_negative(contact, breaks):
    exact = math.floor(Fraction(contact - breaks, 60) * 2) / 2
    assert credit(contact, breaks) == max(0.0, exact)
    assert credit(contact, breaks) >= 0
    assert (credit(contact, breaks) * 2).is_integer()
    # Rounded down: never more than the time actually spent learning, and less than half an hour lost.
    net = max(0, contact - breaks)
    assert credit(contact, breaks) * 60 <= net < credit(contact, breaks) * 60 + 30


@given(minutes, minutes, minutes)
def test_credit_grows_with_contact_minutes_and_shrinks_with_breaks(contact, more, breaks):
    assert credit(contact, breaks) <= credit(contact + more, breaks)
    assert credit(contact, breaks + more) <= credit(contact, breaks)


# ------------------------------------------------------------------ the earning window


@pytest.mark.parametrize(
    "completed_on, counts",
    [
        (START - DAY, False),              # 31 Dec 2025: two years before the 2027 renewal
        (START, True),                     # the window's first day
        (END, True),                       # the window's last day
        (END + DAY, False),                # 1 Jan 2027: earned in the renewal year, counts toward 2028
        (dt.date(2025, 6, 1), False),
        (dt.date(2027, 6, 1), False),
    ],
)
def test_only_cecs_earned_inside_the_window_count_edges_included(completed_on, counts):
    for kind in ("affiliate_class", "volunteer", "committee"):
        result = tally([activity(kind, 1.5, completed_on)], START, END, cap=2)
        assert result.approved == (1.5 if counts else 0.0)
        pending = tally([activity(kind, 1.5, completed_on, status="pending")], START, END, cap=2)
        assert pending.in_review == (1.5 if counts else 0.0)


def test_a_cec_earned_in_the_renewal_year_counts_toward_the_next_year():
    earned = [activity("conference", 3, dt.date(2027, 3, 1))]
    assert tally(earned, START, END, cap=2).approved == 0  # 2027 renewal
    assert tally(earned, dt.date(2027, 1, 1), dt.date(2027, 12, 31), cap=2).approved == 3  # 2028 renewal


# ------------------------------------------------------------------ participation cap


def test_committee_2h_and_legislative_2h_under_cap_2_count_exactly_2():
    result = tally([activity("committee", 2), activity("legislative", 2)], START, END, cap=2)
    assert result.approved == 2.0
    assert result.approved_in_network == 0.0


def test_committee_legislative_and_teaching_share_one_cap():
    result = tally([activity("committee", 1), activity("legislative", 1), activity("teaching", 1),
                    activity("affiliate_class", 3)], START, END, cap=2)
    assert result.approved == 2 + 3
    assert result.approved_in_network == 3


def test_volunteering_and_other_education_are_not_capped_and_not_in_network():
    result = tally([activity("volunteer", 3), activity("other", 2.5)], START, END, cap=2)
    assert (result.approved, result.approved_in_network) == (5.5, 0.0)


def test_the_cap_follows_the_rule_set():
    activities = [activity("committee", 3), activity("teaching", 2)]
    assert tally(activities, START, END, cap=0).approved == 0
    assert tally(activities, START, END, cap=4.5).approved == 4.5
    assert tally(activities, START, END, cap=10).approved == 5


# ------------------------------------------------------------------ in-network, refused, pending


@pytest.mark.parametrize("kind", sorted(cec.IN_NETWORK_TYPES))
def test_affiliate_classes_conference_and_online_courses_are_in_network(kind):
    result = tally([activity(kind, 2.5)], START, END, cap=2)
    assert (result.approved, result.approved_in_network) == (2.5, 2.5)


@pytest.mark.parametrize("status", ["approved", "pending"])
def test_corporate_in_house_training_never_counts(status):
    result = tally([activity("corporate_training", 4, status=status)], START, END, cap=2)
    assert result == Tally(0.0, 0.0, 0.0)


def test_pending_cecs_show_in_review_not_approved():
    result = tally([activity("affiliate_class", 3, status="pending"), activity("committee", 1, status="pending")],
                   START, END, cap=2)
    assert (result.approved, result.approved_in_network, result.in_review) == (0.0, 0.0, 4.0)


def test_pending_participation_in_review_only_up_to_what_the_cap_leaves():
    result = tally([activity("committee", 1.5), activity("legislative", 2, status="pending")], START, END, cap=2)
    assert (result.approved, result.in_review) == (1.5, 0.5)


def test_rejected_cecs_count_nowhere():
    result = tally([activity("affiliate_class", 3, status="rejected")], START, END, cap=2)
    assert result == Tally(0.0, 0.0, 0.0)


def test_amounts_read_back_from_dynamodb_as_decimals_are_counted():
    result = tally([activity("affiliate_class", Decimal("1.5")), activity("committee", Decimal("3"))],
                   START, END, cap=2.0)
    assert (result.approved, result.approved_in_network) == (3.5, 1.5)


# ------------------------------------------------------------------ tally properties

amounts = st.integers(min_value=0, max_value=16).map(lambda n: n / 2)
kinds = st.sampled_from(sorted(cec.ACTIVITY_TYPES))
statuses = st.sampled_from(["approved", "pending", "rejected"])
days = st.one_of(st.sampled_from([START - DAY, START, END, END + DAY]),
                 st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31)))
activity_lists = st.lists(st.builds(activity, kinds, amounts, days, statuses), max_size=15)
caps = st.integers(min_value=0, max_value=10).map(lambda n: n / 2)


def inside(a: dict) -> bool:
    return START <= dt.date.fromisoformat(a["completed_on"]) <= END


def total(activities, *, kinds=None, status="approved") -> float:
    return sum(a["cec"] for a in activities
               if inside(a) and a["status"] == status and (kinds is None or a["type"] in kinds))


@given(activity_lists, caps)
def test_activities_outside_the_window_never_count(activities, cap):
    assert tally(activities, START, END, cap) == tally([a for a in activities if inside(a)], START, END, cap)


@given(activity_lists, caps)
def test_approved_is_the_uncapped_accepted_cecs_plus_participation_up_to_the_cap(activities, cap):
    participation = total(activities, kinds=cec.PARTICIPATION_TYPES)
    uncapped = total(activities, kinds=cec.IN_NETWORK_TYPES | {"volunteer", "other"})
    result = tally(activities, START, END, cap)
    assert result.approved == pytest.approx(uncapped + min(cap, participation))
    assert result.approved_in_network == pytest.approx(total(activities, kinds=cec.IN_NETWORK_TYPES))
    assert result.approved_in_network <= result.approved


@given(activity_lists, caps)
def test_corporate_training_and_rejected_activities_change_nothing(activities, cap):
    kept = [a for a in activities if a["type"] != "corporate_training" and a["status"] != "rejected"]
    assert tally(activities, START, END, cap) == tally(kept, START, END, cap)


@given(activity_lists, caps)
def test_pending_cecs_never_count_as_approved(activities, cap):
    approved_only = [a for a in activities if a["status"] == "approved"]
    result = tally(activities, START, END, cap)
    assert (result.approved, result.approved_in_network) == (
        tally(approved_only, START, END, cap).approved, tally(approved_only, START, END, cap).approved_in_network)
    # Approved plus in review never lets participation exceed the cap.
    assert result.approved + result.in_review == pytest.approx(
        total(activities, kinds=cec.IN_NETWORK_TYPES | {"volunteer", "other"})
        + total(activities, kinds=cec.IN_NETWORK_TYPES | {"volunteer", "other"}, status="pending")
        + min(cap, total(activities, kinds=cec.PARTICIPATION_TYPES)
              + total(activities, kinds=cec.PARTICIPATION_TYPES, status="pending"))
    )


@given(activity_lists, caps)
def test_tally_does_not_depend_on_the_order_of_activities(activities, cap):
    forward, backward = tally(activities, START, END, cap), tally(activities[::-1], START, END, cap)
    assert forward.approved == pytest.approx(backward.approved)
    assert forward.approved_in_network == pytest.approx(backward.approved_in_network)


# ------------------------------------------------------------------ complete


def test_complete_needs_both_the_requirement_and_the_in_network_minimum():
    assert complete(Tally(approved=8, approved_in_network=5), 8, 5, waived=False)
    assert not complete(Tally(approved=8, approved_in_network=4.5), 8, 5, waived=False)  # enough CECs, too few in-network
    assert not complete(Tally(approved=7.5, approved_in_network=7.5), 8, 5, waived=False)
    assert complete(Tally(), 0, 0, waived=False)  # nothing owed (first-year holder)
    assert complete(Tally(), 8, 5, waived=True)


@given(amounts, amounts, amounts, amounts, st.booleans())
def test_complete_exactly_when_waived_or_both_minimums_are_reached(approved, in_network, required, in_network_required,
                                                                    waived):
    t = Tally(approved=approved + in_network, approved_in_network=in_network)
    expected = waived or (approved + in_network >= required and in_network >= in_network_required)
    assert complete(t, required, in_network_required, waived) == expected


def test_what_the_automatic_checks_refuse_counts_nothing_before_a_submission_too():
    window = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    credited = {"activity_id": "CLASS-AASC-1", "type": "affiliate_class", "title": "Fair Housing",
                "provider": "AASC", "completed_on": "2026-05-12", "status": "approved"}
    sent = [
        {**credited, "activity_id": "F-1-a", "title": " fair housing "},        # the class already credited
        {**credited, "activity_id": "F-1-b", "title": "New class"},             # new: counts
        {**credited, "activity_id": "F-1-c", "title": "New class"},             # twice in the same list
        {**credited, "activity_id": "F-1-d", "title": "Old", "completed_on": "2025-12-31"},
        {**credited, "activity_id": "F-1-e", "type": "corporate_training", "title": "In-house"},
    ]
    refused = cec.uncountable(sent, [credited], *window)
    assert sorted(refused) == ["F-1-a", "F-1-c", "F-1-d", "F-1-e"]
    assert refused["F-1-a"] == refused["F-1-c"] == cec.ALREADY_REPORTED
    # A rejected report of the same class does not stand in the way.
    assert cec.uncountable(sent[:1], [{**credited, "status": "rejected"}], *window) == {}
