"""What a member owes for a renewal year (docs/domain.md "What a member owes",
"Waivers"): one line per renewable credential at the rule set's fee, the
shared CEC requirement is the largest (not the sum), CAMT is never invoiced,
first-year holders owe the fee but no CECs. Pure: no AWS."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewal.invoicing import Assessment, Held, assess, held_from_profile
from renewal.members import MemberIn
from renewal.rules import RuleSet, RuleSetIn

CODES = ("CAM", "CALP", "CAPS", "CAS", "AIME", "CAMT")
RENEWABLE_CODES = CODES[:-1]
DAY = dt.timedelta(days=1)


def rule(cec: float, in_network: float, fee: int, renews: bool = True, emeritus_fee: int | None = None) -> dict:
    body = {"cec_required": cec, "in_network_min": in_network, "fee_cents": fee, "renews_annually": renews}
    if emeritus_fee is not None:
        body["emeritus_fee_cents"] = emeritus_fee
    return body


CAMT_RULE = rule(0, 0, 0, renews=False)

# The default rule set for 2027 (docs/domain.md; the fees are example values).
DEFAULT_2027 = {
    "CAM": rule(8, 5, 17500),
    "CALP": rule(5, 3, 12500),
    "CAPS": rule(8, 5, 17500),
    "CAS": rule(5, 3, 12500),
    "AIME": rule(5, 3, 9000),
    "CAMT": CAMT_RULE,
}


def rule_set(year: int = 2027, credentials: dict | None = None, **changes) -> RuleSet:
    body = {
        "currency": "usd",
        "due_date": dt.date(year, 1, 1),
        "grace_ends": dt.date(year, 3, 31),
        "reinstatement_fee_cents": 5000,
        "earning_window": {"start": dt.date(year - 1, 1, 1), "end": dt.date(year - 1, 12, 31)},
        "participation_cap": 2,
        "credentials": DEFAULT_2027 if credentials is None else credentials,
        **changes,
    }
    return RuleSet(**body, renewal_year=year)


LONG_AGO = dt.date(2015, 6, 1)


def held(*codes: str, earned_on: dt.date = LONG_AGO) -> list[Held]:
    return [Held(code, earned_on) for code in codes]


# ------------------------------------------------------------------ examples


def test_seed_example_cam_and_nalp_holder_owes_the_larger_requirement_and_pays_both_fees_on_one_invoice():
    # Seed era (2020 renewal, CECs earned in 2019): CAM required 6, NALP (now CALP) 3.
    seed_rules = RuleSetIn(
        due_date="2020-01-01",
        grace_ends="2020-03-31",
        reinstatement_fee_cents=5000,
        earning_window={"start": "2019-01-01", "end": "2019-12-31"},
        participation_cap=2,
        credentials={"CAM": rule(6, 4, 17500), "NALP": rule(3, 2, 12500), "CAMT": CAMT_RULE},
    )
    assert "CALP" in seed_rules.credentials and "NALP" not in seed_rules.credentials
    rules_2020 = RuleSet(**seed_rules.model_dump(exclude={"renewal_year"}), renewal_year=2020)
    # The member record stores NALP as CALP, and the invoice run reads the stored profile.
    member = MemberIn(first_name="Ana", last_name="Diaz", credentials=[
        {"code": "CAM", "earned_on": "2012-04-01"}, {"code": "NALP", "earned_on": "2016-09-15"}])
    profile = {"credentials": [c.model_dump(mode="json") for c in member.credentials]}

    assessment = assess(held_from_profile(profile), rules_2020)

    assert assessment.cec_required == 6  # the largest, not 6 + 3
    assert assessment.in_network_required == 4
    assert [(line.code, line.description, line.amount_cents) for line in assessment.lines] == [
        ("CAM", "CAM renewal 2020", 17500), ("CALP", "CALP renewal 2020", 12500)]
    assert assessment.total_cents == 30000
    assert assessment.required and not assessment.cec_waived


def test_default_2027_cam_and_calp_holder_owes_8_with_5_in_network_and_both_fees():
    assessment = assess(held("CAM", "CALP"), rule_set())
    assert (assessment.cec_required, assessment.in_network_required) == (8, 5)
    assert assessment.total_cents == 17500 + 12500
    assert all(isinstance(line.amount_cents, int) for line in assessment.lines)


def test_holder_of_every_credential_owes_the_largest_requirement_not_the_sum():
    assessment = assess(held(*CODES), rule_set())
    assert (assessment.cec_required, assessment.in_network_required) == (8, 5)
    assert assessment.total_cents == 17500 + 12500 + 17500 + 12500 + 9000
    assert "CAMT" not in {line.code for line in assessment.lines}


def test_largest_in_network_minimum_may_come_from_a_different_credential_than_the_largest_requirement():
    rules = rule_set(credentials={"CAM": rule(8, 2, 100), "AIME": rule(5, 4, 100)})
    assessment = assess(held("CAM", "AIME"), rules)
    assert (assessment.cec_required, assessment.in_network_required) == (8, 4)


def test_camt_only_holder_is_not_required_and_gets_no_lines():
    assessment = assess(held("CAMT"), rule_set())
    assert not assessment.required
    assert assessment.lines == () and assessment.total_cents == 0
    assert (assessment.cec_required, assessment.in_network_required) == (0, 0)


def test_camt_holder_with_aime_pays_aime_only_and_owes_aime_cecs():
    assessment = assess(held("CAMT", "AIME"), rule_set())
    assert [line.code for line in assessment.lines] == ["AIME"]
    assert assessment.renewable == ("AIME",)
    assert assessment.total_cents == 9000
    assert (assessment.cec_required, assessment.in_network_required) == (5, 3)


def test_a_rule_set_cannot_make_camt_renew():
    """CAMT is a lifetime certificate: a rule set that would invoice it is refused."""
    with pytest.raises(ValueError, match="CAMT is a lifetime certificate"):
        rule_set(credentials={**DEFAULT_2027, "CAMT": rule(10, 6, 5000, renews=True)})


def test_member_without_credentials_is_not_required():
    assessment = assess([], rule_set())
    assert not assessment.required and assessment.lines == () and assessment.cec_required == 0


def test_code_the_rule_set_does_not_list_is_not_invoiced():
    rules = rule_set(credentials={"CAM": rule(8, 5, 17500)})
    assessment = assess(held("CAM", "CAS", "AIME"), rules)
    assert assessment.renewable == ("CAM",)
    assert assessment.total_cents == 17500


def test_credential_the_rule_set_marks_not_renewing_is_not_invoiced():
    rules = rule_set(credentials={"CAM": rule(8, 5, 17500), "CAPS": rule(8, 5, 17500, renews=False)})
    assert assess(held("CAPS"), rules).required is False
    assert assess(held("CAM", "CAPS"), rules).renewable == ("CAM",)


@pytest.mark.parametrize(
    "earned_on, owes_cecs",
    [
        (dt.date(2025, 12, 31), True),   # the day before the 2027 window: not a first-year holder
        (dt.date(2026, 1, 1), False),    # the window's first day
        (dt.date(2026, 7, 4), False),
        (dt.date(2026, 12, 31), False),  # the window's last day
    ],
)
def test_credential_earned_inside_the_earning_window_owes_its_fee_but_no_cecs(earned_on, owes_cecs):
    assessment = assess(held("CAM", earned_on=earned_on), rule_set())
    assert assessment.total_cents == 17500
    assert assessment.cec_required == (8 if owes_cecs else 0)
    assert assessment.in_network_required == (5 if owes_cecs else 0)
    assert not assessment.cec_waived


def test_first_year_holder_owes_cecs_when_the_rule_set_does_not_waive_them():
    assessment = assess(held("CAM", earned_on=dt.date(2026, 7, 4)), rule_set(first_year_cec_waived=False))
    assert (assessment.total_cents, assessment.cec_required, assessment.in_network_required) == (17500, 8, 5)


def test_first_year_credential_does_not_add_cecs_but_an_older_one_still_does():
    # CAM is new (first year), CALP is old: the member owes CALP's 5, and both fees.
    assessment = assess([Held("CAM", dt.date(2026, 3, 1)), Held("CALP", LONG_AGO)], rule_set())
    assert (assessment.cec_required, assessment.in_network_required) == (5, 3)
    assert assessment.total_cents == 17500 + 12500


@pytest.mark.parametrize("earned_on", [dt.date(2027, 1, 1), dt.date(2027, 2, 1)])
def test_credential_earned_after_the_window_end_is_not_invoiced_for_that_year(earned_on):
    assessment = assess(held("CAM", earned_on=earned_on), rule_set())
    assert not assessment.required and assessment.lines == ()
    # ...it first renews the year after, as a first-year holder.
    next_year = assess(held("CAM", earned_on=earned_on), rule_set(2028))
    assert next_year.total_cents == 17500 and next_year.cec_required == 0


def test_emeritus_holder_pays_the_emeritus_fee_where_set_and_owes_no_cecs():
    rules = rule_set(credentials={"CAM": rule(8, 5, 17500, emeritus_fee=5000), "CALP": rule(5, 3, 12500)})
    assessment = assess(held("CAM", "CALP"), rules, emeritus=True)
    assert [(line.code, line.amount_cents) for line in assessment.lines] == [("CAM", 5000), ("CALP", 12500)]
    assert (assessment.cec_required, assessment.in_network_required, assessment.cec_waived) == (0, 0, True)


def test_emeritus_fee_of_zero_is_a_fee_not_an_absence():
    rules = rule_set(credentials={"CAM": rule(8, 5, 17500, emeritus_fee=0)})
    assert assess(held("CAM"), rules, emeritus=True).total_cents == 0


def test_emeritus_camt_only_holder_is_still_not_required():
    assessment = assess(held("CAMT"), rule_set(), emeritus=True)
    assert not assessment.required and not assessment.cec_waived


# ------------------------------------------------------------------ properties

halves = st.integers(min_value=0, max_value=40).map(lambda n: n / 2)


@st.composite
def credential_rules(draw, code: str) -> dict:
    required_halves = draw(st.integers(min_value=0, max_value=40))
    in_network_halves = draw(st.integers(min_value=0, max_value=required_halves))
    return rule(
        required_halves / 2,
        in_network_halves / 2,
        draw(st.integers(min_value=0, max_value=100_000)),
        renews=False if code == "CAMT" else draw(st.booleans()),
        emeritus_fee=draw(st.none() | st.integers(min_value=0, max_value=100_000)),
    )


@st.composite
def rule_sets(draw) -> RuleSet:
    year = draw(st.integers(min_value=2002, max_value=2099))
    due = dt.date(year, 1, 1)
    window_end = due - DAY - dt.timedelta(days=draw(st.integers(min_value=0, max_value=120)))
    window_start = window_end - dt.timedelta(days=draw(st.integers(min_value=0, max_value=730)))
    listed = draw(st.sets(st.sampled_from(CODES), min_size=1))
    return RuleSet(
        renewal_year=year,
        due_date=due,
        grace_ends=dt.date(year, 3, 31),
        reinstatement_fee_cents=draw(st.integers(min_value=0, max_value=10_000)),
        earning_window={"start": window_start, "end": window_end},
        participation_cap=draw(halves),
        first_year_cec_waived=draw(st.booleans()),
        credentials={code: draw(credential_rules(code)) for code in sorted(listed)},
    )


@st.composite
def holdings(draw, rules: RuleSet) -> list[Held]:
    window = rules.earning_window
    edges = [window.start - DAY, window.start, window.end, window.end + DAY]
    earned_on = st.one_of(
        st.sampled_from(edges),
        st.dates(min_value=window.start - dt.timedelta(days=3 * 365), max_value=rules.due_date + dt.timedelta(days=365)),
    )
    codes = draw(st.lists(st.sampled_from(CODES), unique=True, max_size=len(CODES)))
    return [Held(code, draw(earned_on)) for code in codes]


@st.composite
def cases(draw) -> tuple[RuleSet, list[Held]]:
    rules = draw(rule_sets())
    return rules, draw(holdings(rules))


def renews_this_year(credential: Held, rules: RuleSet) -> bool:
    """Listed, renewing annually, and earned by the end of the year's earning window."""
    listed = rules.rule_for(credential.code)
    return bool(listed and listed.renews_annually and credential.earned_on <= rules.earning_window.end)


def first_year(credential: Held, rules: RuleSet) -> bool:
    return rules.earning_window.start <= credential.earned_on <= rules.earning_window.end


def owing_cecs(credentials: list[Held], rules: RuleSet) -> list:
    return [rules.rule_for(c.code) for c in credentials
            if renews_this_year(c, rules) and not (rules.first_year_cec_waived and first_year(c, rules))]


@given(cases())
def test_cec_requirement_is_the_largest_of_the_renewable_non_first_year_credentials_never_the_sum(case):
    rules, credentials = case
    owing = owing_cecs(credentials, rules)
    assessment = assess(credentials, rules)
    assert assessment.cec_required == max((r.cec_required for r in owing), default=0)
    assert assessment.in_network_required == max((r.in_network_min for r in owing), default=0)
    assert assessment.in_network_required <= assessment.cec_required
    assert not assessment.cec_waived


@given(cases())
def test_one_line_per_renewable_credential_at_its_fee_and_the_total_is_their_sum(case):
    rules, credentials = case
    due = [c for c in credentials if renews_this_year(c, rules)]
    assessment = assess(credentials, rules)
    expected = sorted((c.code, f"{c.code} renewal {rules.renewal_year}", rules.rule_for(c.code).fee_cents) for c in due)
    assert sorted((line.code, line.description, line.amount_cents) for line in assessment.lines) == expected
    assert sorted(assessment.renewable) == sorted(c.code for c in due)
    assert assessment.total_cents == sum(rules.rule_for(c.code).fee_cents for c in due)
    assert assessment.required == bool(due)


@given(cases())
def test_camt_never_gets_a_line_and_never_changes_what_is_owed(case):
    rules, credentials = case
    without_camt = [c for c in credentials if c.code != "CAMT"]
    assessment = assess(credentials, rules)
    assert "CAMT" not in {line.code for line in assessment.lines}
    assert assessment == assess(without_camt, rules)


@given(cases())
def test_codes_not_in_the_rule_set_or_not_renewing_change_nothing(case):
    rules, credentials = case
    in_program = [c for c in credentials if rules.renews(c.code)]
    assert assess(credentials, rules) == assess(in_program, rules)


@given(cases())
def test_credentials_earned_after_the_window_end_change_nothing(case):
    rules, credentials = case
    earned_in_time = [c for c in credentials if c.earned_on <= rules.earning_window.end]
    assert assess(credentials, rules) == assess(earned_in_time, rules)


@given(cases())
def test_first_year_credentials_owe_their_fee_and_add_no_cecs_when_waived(case):
    rules, credentials = case
    waiving = rules.model_copy(update={"first_year_cec_waived": True})
    not_waiving = rules.model_copy(update={"first_year_cec_waived": False})
    waived, owed = assess(credentials, waiving), assess(credentials, not_waiving)
    # The flag changes CECs only, never money.
    assert waived.lines == owed.lines
    assert waived.cec_required <= owed.cec_required
    assert waived.in_network_required <= owed.in_network_required
    established = [c for c in credentials if not first_year(c, rules)]
    assert waived.cec_required == assess(established, not_waiving).cec_required
    assert owed.cec_required == max((rules.rule_for(c.code).cec_required for c in credentials
                                     if renews_this_year(c, rules)), default=0)


@given(cases())
def test_emeritus_holder_pays_the_emeritus_fee_or_else_the_normal_fee_and_owes_no_cecs(case):
    rules, credentials = case
    regular = assess(credentials, rules)
    emeritus = assess(credentials, rules, emeritus=True)
    assert [line.code for line in emeritus.lines] == [line.code for line in regular.lines]
    for line in emeritus.lines:
        listed = rules.rule_for(line.code)
        expected = listed.emeritus_fee_cents if listed.emeritus_fee_cents is not None else listed.fee_cents
        assert line.amount_cents == expected
    assert (emeritus.cec_required, emeritus.in_network_required) == (0, 0)
    assert emeritus.cec_waived == emeritus.required == regular.required


@given(cases())
def test_assessment_does_not_depend_on_the_order_credentials_are_listed(case):
    rules, credentials = case
    forward, backward = assess(credentials, rules), assess(list(reversed(credentials)), rules)
    assert (forward.cec_required, forward.in_network_required, forward.total_cents) == (
        backward.cec_required, backward.in_network_required, backward.total_cents)
    assert sorted(forward.renewable) == sorted(backward.renewable)


def test_assessment_is_a_value():
    # Assessment equality is what the metamorphic properties above rely on.
    assert isinstance(assess([], rule_set()), Assessment)
    assert assess(held("CAM"), rule_set()) == assess(held("CAM"), rule_set())
    assert assess(held("CAM"), rule_set()) != assess(held("CALP"), rule_set())
