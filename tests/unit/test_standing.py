"""A member's standing as of "today" (docs/domain.md "The year's timeline"):
open / grace / lapsed / renewed / not_required / waived around the exact
boundary dates, and each held credential's status and `renewed_through`.
Pure: invoices and CEC items are the dicts the invoice run and CEC service
keep in the member's partition; no AWS."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewal import standing
from renewal.standing import GRACE, LAPSED, NOT_REQUIRED, OPEN, RENEWED, WAIVED, credential_standing, status_of

DAY = dt.timedelta(days=1)
DUE, GRACE_ENDS = dt.date(2027, 1, 1), dt.date(2027, 3, 31)


def status(today: dt.date, *, paid=False, cec_complete=False, required=True, waived=False,
           due_date=DUE, grace_ends=GRACE_ENDS) -> str:
    return status_of(required=required, waived=waived, paid=paid, cec_complete=cec_complete,
                     due_date=due_date, grace_ends=grace_ends, today=today)


# ------------------------------------------------------------------ status_of


@pytest.mark.parametrize(
    "today, expected",
    [
        (dt.date(2026, 10, 1), OPEN),     # the invoice run
        (DUE - DAY, OPEN),
        (DUE, OPEN),                      # due date itself: still open
        (DUE + DAY, GRACE),               # 2 January
        (dt.date(2027, 2, 15), GRACE),
        (GRACE_ENDS, GRACE),              # 31 March: last day of grace
        (GRACE_ENDS + DAY, LAPSED),       # 1 April
        (dt.date(2028, 6, 1), LAPSED),
    ],
)
def test_incomplete_renewal_is_open_until_the_due_date_in_grace_until_grace_end_then_lapsed(today, expected):
    assert status(today) == expected
    assert status(today, paid=True) == expected  # paid but CECs missing is still incomplete
    assert status(today, cec_complete=True) == expected  # CECs done but unpaid likewise


@pytest.mark.parametrize("today", [dt.date(2026, 10, 1), DUE, DUE + DAY, GRACE_ENDS, GRACE_ENDS + DAY,
                                   dt.date(2030, 1, 1)])
def test_paid_with_complete_cecs_is_renewed_at_any_date(today):
    assert status(today, paid=True, cec_complete=True) == RENEWED


def test_waived_wins_over_everything():
    for today in (DUE, GRACE_ENDS + DAY):
        assert status(today, waived=True) == WAIVED
        assert status(today, waived=True, required=False) == WAIVED
        assert status(today, waived=True, paid=True, cec_complete=True) == WAIVED


def test_no_renewable_credential_is_not_required():
    for today in (DUE, GRACE_ENDS + DAY):
        assert status(today, required=False) == NOT_REQUIRED
        assert status(today, required=False, paid=True, cec_complete=True) == NOT_REQUIRED


timelines = st.tuples(
    st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2099, 1, 1)),
    st.integers(min_value=1, max_value=200),
)
offsets = st.integers(min_value=-400, max_value=600)


@given(timelines, offsets, st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_status_over_random_dates(timeline, offset, required, waived, paid, cec_complete):
    due, grace_days = timeline
    grace_ends = due + dt.timedelta(days=grace_days)
    today = due + dt.timedelta(days=offset)
    result = status(today, required=required, waived=waived, paid=paid, cec_complete=cec_complete,
                    due_date=due, grace_ends=grace_ends)
    if waived:
        assert result == WAIVED
    elif not required:
        assert result == NOT_REQUIRED
    elif paid and cec_complete:
        assert result == RENEWED
    elif offset <= 0:
        assert result == OPEN
    elif offset <= grace_days:
        assert result == GRACE
    else:
        assert result == LAPSED


@given(timelines, offsets, st.integers(min_value=0, max_value=400))
def test_incomplete_renewal_only_moves_forward_open_grace_lapsed(timeline, offset, later):
    due, grace_days = timeline
    grace_ends = due + dt.timedelta(days=grace_days)
    order = [OPEN, GRACE, LAPSED]
    earlier_day = due + dt.timedelta(days=offset)
    before = status(earlier_day, due_date=due, grace_ends=grace_ends)
    after = status(earlier_day + dt.timedelta(days=later), due_date=due, grace_ends=grace_ends)
    assert order.index(before) <= order.index(after)


# ------------------------------------------------------------------ credential_standing

WINDOW_2027 = {"start": "2026-01-01", "end": "2026-12-31"}


def invoice(year: int = 2027, *, status: str = "open", credentials=("CAM",), cec_required: float = 8,
            in_network_required: float = 5, cec_waived: bool = False, participation_cap: float = 2) -> dict:
    """The fields invoice_runs.invoice_record writes that standing reads."""
    return {
        "PK": "MEMBER#M-1001",
        "SK": f"INVOICE#{year}",
        "invoice_id": f"INV-{year}-M-1001",
        "member_id": "M-1001",
        "renewal_year": year,
        "status": status,
        "credentials": list(credentials),
        "cec_required": cec_required,
        "in_network_required": in_network_required,
        "cec_waived": cec_waived,
        "due_date": f"{year}-01-01",
        "terms": {
            "grace_ends": f"{year}-03-31",
            "earning_window": {"start": f"{year - 1}-01-01", "end": f"{year - 1}-12-31"},
            "participation_cap": participation_cap,
            "reinstatement_fee_cents": 5000,
            "reminder_days_before_due": 30,
        },
    }


_serial = iter(range(1, 1_000_000))


def cec_item(kind: str, amount: float, completed_on: str, status: str = "approved") -> dict:
    return {"PK": "MEMBER#M-1001", "SK": f"CEC#{completed_on}#{next(_serial):06d}", "type": kind, "cec": amount,
            "completed_on": completed_on, "status": status}


def waiver(kind: str, year: int, **extra) -> dict:
    return {"PK": "MEMBER#M-1001", "SK": f"WAIVER#{kind}#{year}", "type": kind, "renewal_year": year, **extra}


# Eight CECs earned in 2026, five of them in-network: meets the default 2027 CAM requirement.
CECS_FOR_2027 = [cec_item("affiliate_class", 3, "2026-02-10"), cec_item("conference", 2, "2026-06-20"),
                 cec_item("volunteer", 3, "2026-09-01")]


@pytest.mark.parametrize("related", [[], [invoice(status="open")], [invoice(credentials=("CAMT", "AIME"))]])
def test_camt_reads_lifetime_whatever_the_invoices_say(related):
    for today in (DUE, GRACE_ENDS + DAY):
        assert credential_standing("CAMT", related, today) == {"status": "lifetime", "renewed_through": None}


def test_renewable_credential_without_invoices_reads_active_and_not_yet_renewed():
    assert credential_standing("CAM", [], dt.date(2027, 6, 1)) == {"status": "active", "renewed_through": None}


@pytest.mark.parametrize("today", [dt.date(2026, 11, 1), DUE, dt.date(2027, 2, 1), dt.date(2027, 5, 1)])
def test_paid_invoice_with_complete_cecs_renews_through_its_year_and_reads_active(today):
    related = [invoice(status="paid"), *CECS_FOR_2027]
    assert credential_standing("CAM", related, today) == {"status": "active", "renewed_through": 2027}


def test_unpaid_invoice_after_grace_in_the_current_year_reads_lapsed():
    related = [invoice(status="open"), *CECS_FOR_2027]
    assert credential_standing("CAM", related, GRACE_ENDS + DAY) == {"status": "lapsed", "renewed_through": None}


@pytest.mark.parametrize(
    "today, expected",
    [(DUE - DAY, "active"), (DUE, "active"), (DUE + DAY, "grace"), (GRACE_ENDS, "grace"), (GRACE_ENDS + DAY, "lapsed")],
)
def test_unpaid_invoice_reads_active_then_grace_then_lapsed_at_the_exact_boundaries(today, expected):
    assert credential_standing("CAM", [invoice()], today)["status"] == expected


def test_paid_but_cecs_missing_lapses_after_grace():
    related = [invoice(status="paid"), cec_item("affiliate_class", 3, "2026-02-10")]
    assert credential_standing("CAM", related, dt.date(2027, 2, 1)) == {"status": "grace", "renewed_through": None}
    assert credential_standing("CAM", related, GRACE_ENDS + DAY) == {"status": "lapsed", "renewed_through": None}


def test_enough_cecs_but_too_few_in_network_is_not_renewed():
    related = [invoice(status="paid"), cec_item("affiliate_class", 4, "2026-02-10"),
               cec_item("volunteer", 4, "2026-03-10")]
    assert credential_standing("CAM", related, GRACE_ENDS + DAY)["status"] == "lapsed"


def test_cecs_earned_outside_the_invoice_window_do_not_complete_it():
    # Earned in 2025 (too early) and in 2027 (counts toward 2028).
    related = [invoice(status="paid"), cec_item("affiliate_class", 8, "2025-12-31"),
               cec_item("affiliate_class", 8, "2027-01-01")]
    assert credential_standing("CAM", related, GRACE_ENDS + DAY)["status"] == "lapsed"


def test_participation_beyond_the_invoice_cap_does_not_complete_it():
    related = [invoice(status="paid"), cec_item("affiliate_class", 5, "2026-02-10"),
               cec_item("committee", 2, "2026-04-01"), cec_item("legislative", 2, "2026-05-01")]
    # 5 + min(2, 4) = 7 < 8.
    assert credential_standing("CAM", related, GRACE_ENDS + DAY)["status"] == "lapsed"
    related.append(cec_item("online_course", 1, "2026-08-01"))
    assert credential_standing("CAM", related, GRACE_ENDS + DAY) == {"status": "active", "renewed_through": 2027}


def test_pending_cecs_do_not_complete_a_renewal():
    related = [invoice(status="paid"), *[{**item, "status": "pending"} for item in CECS_FOR_2027]]
    assert credential_standing("CAM", related, GRACE_ENDS + DAY)["status"] == "lapsed"


def test_paid_invoice_with_cecs_waived_or_not_owed_is_renewed():
    waived = [invoice(status="paid", cec_waived=True, cec_required=0, in_network_required=0)]
    first_year = [invoice(status="paid", cec_required=0, in_network_required=0)]
    for related in (waived, first_year):
        assert credential_standing("CAM", related, GRACE_ENDS + DAY) == {"status": "active", "renewed_through": 2027}


def test_emeritus_waiver_from_an_earlier_year_waives_the_cecs():
    related = [invoice(status="paid"), waiver("emeritus", 2026)]
    assert credential_standing("CAM", related, GRACE_ENDS + DAY) == {"status": "active", "renewed_through": 2027}
    later = [invoice(status="paid"), waiver("emeritus", 2028)]
    assert credential_standing("CAM", later, GRACE_ENDS + DAY)["status"] == "lapsed"


def test_military_waiver_for_the_year_reads_active_even_with_a_voided_invoice():
    related = [invoice(status="void"), waiver("military_deployment", 2027)]
    assert credential_standing("CAM", related, GRACE_ENDS + DAY) == {"status": "active", "renewed_through": 2027}


def test_revoked_military_waiver_no_longer_counts():
    related = [invoice(status="open"), waiver("military_deployment", 2027, revoked_at="2027-02-01T00:00:00Z")]
    assert credential_standing("CAM", related, GRACE_ENDS + DAY)["status"] == "lapsed"


@pytest.mark.parametrize("invoice_status", ["refunded", "disputed"])
def test_refunded_or_disputed_invoice_is_not_paid(invoice_status):
    related = [invoice(status=invoice_status), *CECS_FOR_2027]
    assert credential_standing("CAM", related, GRACE_ENDS + DAY) == {"status": "lapsed", "renewed_through": None}


def test_status_follows_the_current_calendar_year_and_renewed_through_the_latest_renewed_year():
    # Behind on 2026 (lapsed, still open), renewed for 2027.
    related = [invoice(2026, status="open"), invoice(2027, status="paid"), *CECS_FOR_2027]
    assert credential_standing("CAM", related, dt.date(2027, 5, 1)) == {"status": "active", "renewed_through": 2027}
    # Renewed for 2026, 2027 unpaid after grace.
    related = [invoice(2026, status="paid", cec_required=0, in_network_required=0), invoice(2027, status="open")]
    assert credential_standing("CAM", related, dt.date(2027, 5, 1)) == {"status": "lapsed", "renewed_through": 2026}
    # In 2026 (the 2027 invoice issued in October is not yet current), 2026 is what counts.
    assert credential_standing("CAM", related, dt.date(2026, 11, 1)) == {"status": "active", "renewed_through": 2026}


def test_an_invoice_that_does_not_cover_the_credential_does_not_affect_it():
    # AIME lapsed in 2027; CAM was not on that invoice (earned later).
    related = [invoice(status="open", credentials=("AIME",))]
    assert credential_standing("CAM", related, GRACE_ENDS + DAY) == {"status": "active", "renewed_through": None}
    assert credential_standing("AIME", related, GRACE_ENDS + DAY)["status"] == "lapsed"


def test_standing_from_an_invoice_the_invoice_run_writes():
    # The real record, not a hand-built one: assess -> invoice_record -> credential_standing.
    from renewal.invoice_runs import invoice_record
    from renewal.invoicing import assess, held_from_profile
    from renewal.rules import RuleSet

    rules = RuleSet(
        renewal_year=2027, due_date="2027-01-01", grace_ends="2027-03-31", reinstatement_fee_cents=5000,
        earning_window=WINDOW_2027, participation_cap=2,
        credentials={"CAM": {"cec_required": 8, "in_network_min": 5, "fee_cents": 17500, "renews_annually": True},
                     "CAMT": {"cec_required": 0, "in_network_min": 0, "fee_cents": 0, "renews_annually": False}},
    )
    profile = {"member_id": "M-1001", "first_name": "Ana", "last_name": "Diaz",
               "credentials": [{"code": "CAM", "earned_on": "2015-06-01"}, {"code": "CAMT", "earned_on": "2010-01-01"}]}
    record = invoice_record("run-1", rules, profile, assess(held_from_profile(profile), rules))
    assert record["SK"] == "INVOICE#2027" and record["credentials"] == ["CAM"]

    assert credential_standing("CAM", [record], dt.date(2027, 2, 1))["status"] == "grace"
    assert credential_standing("CAM", [record], GRACE_ENDS + DAY)["status"] == "lapsed"
    assert credential_standing("CAMT", [record], GRACE_ENDS + DAY)["status"] == "lifetime"
    paid = {**record, "status": "paid"}
    assert credential_standing("CAM", [paid, *CECS_FOR_2027], GRACE_ENDS + DAY) == {
        "status": "active", "renewed_through": 2027}


@given(st.dates(min_value=dt.date(2026, 10, 1), max_value=dt.date(2027, 12, 31)), st.booleans())
def test_credential_status_matches_the_renewal_status_of_the_current_year(today, paid):
    related = [invoice(status="paid" if paid else "open")]  # no CECs: incomplete
    renewal = standing.invoice_standing(related[0], related, today).status
    expected = {OPEN: "active", GRACE: "grace", LAPSED: "lapsed"}[renewal] if today.year == 2027 else "active"
    assert credential_standing("CAM", related, today) == {"status": expected, "renewed_through": None}


# ------------------------------------------------------------------ history from the previous system


class _Rules:
    due_date, grace_ends = DUE, GRACE_ENDS


def _imported(settled, earned_on="2015-06-01", code="CAM"):
    return {"settled_through": settled, "credentials": [{"code": code, "earned_on": earned_on}]}


@given(st.integers(2015, 2030), st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
def test_a_year_settled_before_reads_renewed_through_it(settled, today):
    found = credential_standing("CAM", [], today, profile=_imported(settled))
    assert found["renewed_through"] == settled
    if settled >= today.year:
        assert found["status"] == "active"


@pytest.mark.parametrize("today, rules, expected", [
    (dt.date(2027, 1, 1), _Rules, "active"),      # behind on 2027 only, before its due date: open
    (dt.date(2027, 2, 1), _Rules, "grace"),
    (dt.date(2027, 4, 1), _Rules, "lapsed"),
    (dt.date(2027, 4, 1), None, "active"),        # no 2027 rules here: its deadlines are unknown
])
def test_the_current_year_unsettled_follows_this_years_rules(today, rules, expected):
    assert credential_standing("CAM", [], today, profile=_imported(2026), current_rules=rules)["status"] == expected
    assert standing.needs_current_rules(_imported(2026), [], today)


def test_a_whole_year_unsettled_is_lapsed_without_rules():
    assert credential_standing("CAM", [], dt.date(2027, 4, 1), profile=_imported(2025))["status"] == LAPSED.lower()


def test_a_credential_earned_after_the_settled_year_has_no_history():
    found = credential_standing("CAS", [], dt.date(2026, 11, 28), profile=_imported(2025, "2026-04-01", "CAS"))
    assert found == {"status": "active", "renewed_through": None}
    assert credential_standing("CAMT", [], dt.date(2026, 11, 28), profile=_imported(2025, code="CAMT")) == {
        "status": "lifetime", "renewed_through": None}


def test_settled_years_are_not_invoiced_again():
    assert standing.settled_before(_imported(2027), 2027)
    assert not standing.settled_before(_imported(2026), 2027)
    assert not standing.settled_before({}, 2027)
