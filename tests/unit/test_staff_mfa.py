"""The staff-MFA rule: which groups a token may carry."""

from hypothesis import given
from hypothesis import strategies as st

from renewal import staff_mfa
from renewal.auth import AFFILIATE, MEMBER, NAAEI

GROUPS = st.lists(st.sampled_from([MEMBER, AFFILIATE, NAAEI, "member,naaei"]), unique=True)
METHODS = st.none() | st.lists(st.sampled_from(["SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP"]), unique=True)


def test_staff_without_an_authenticator_are_signed_in_without_staff_powers():
    decided = staff_mfa.token_groups([MEMBER, NAAEI], [])
    assert decided.groups == [MEMBER]
    assert decided.claims == {"mfa_required_for": NAAEI}


def test_staff_with_an_authenticator_keep_their_groups():
    decided = staff_mfa.token_groups([NAAEI], ["SOFTWARE_TOKEN_MFA"])
    assert (decided.groups, decided.claims) == ([NAAEI], {})


def test_settings_that_could_not_be_read_withhold_staff_powers():
    assert staff_mfa.token_groups([NAAEI], None).groups == []


def test_a_text_message_code_is_not_an_authenticator():
    assert staff_mfa.token_groups([NAAEI], ["SMS_MFA"]).withheld == [NAAEI]


@given(GROUPS, METHODS)
def test_a_token_carries_a_staff_group_only_with_an_authenticator(groups, methods):
    decided = staff_mfa.token_groups(groups, methods)
    has_authenticator = methods is not None and "SOFTWARE_TOKEN_MFA" in methods
    assert (NAAEI in decided.groups) == (NAAEI in groups and has_authenticator)
    # Nothing else is taken away, nothing is added, and what is withheld is named.
    assert sorted(decided.groups + decided.withheld) == sorted(groups)
    assert [g for g in decided.groups if g != NAAEI] == [g for g in groups if g != NAAEI]
    assert bool(decided.claims) == bool(decided.withheld)
    assert staff_mfa.needs_mfa(groups) == (NAAEI in groups)
