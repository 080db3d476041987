"""The caller comes from JWT claims, in either form API Gateway may pass them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewal.auth import Principal, groups_for_path, parse_groups
from renewal.errors import Forbidden, Unauthorized

GROUPS = st.sets(st.sampled_from(["member", "affiliate", "naaei"]))


@given(GROUPS)
def test_list_and_flattened_string_forms_give_the_same_groups(groups):
    as_list = sorted(groups)
    flattened = "[" + " ".join(as_list) + "]"
    assert parse_groups(as_list) == parse_groups(flattened) == frozenset(groups)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("[naaei affiliate]", {"naaei", "affiliate"}),
        ('["naaei","affiliate"]', {"naaei", "affiliate"}),
        ("member", {"member"}),
        ("[]", set()),
        (None, set()),
    ],
)
def test_group_claim_spellings(raw, expected):
    assert parse_groups(raw) == frozenset(expected)


# Cognito group names hold no whitespace; anything else may be in them.
GROUP_NAMES = st.text(alphabet=st.characters(blacklist_categories=("Zs", "Zl", "Zp", "Cc")), min_size=1,
                      max_size=20).filter(lambda name: not name.startswith('"'))


@given(st.sets(GROUP_NAMES, max_size=5))
def test_any_group_names_round_trip_through_the_flattened_form_exactly(groups):
    assert parse_groups("[" + " ".join(sorted(groups)) + "]") == frozenset(groups)
    assert parse_groups(sorted(groups)) == frozenset(groups)


@pytest.mark.parametrize("raw", ["[member,naaei]", ["member,naaei"], "member,naaei", "[naaei,]", '["member,naaei"]'])
def test_a_group_whose_name_holds_a_comma_is_one_group_and_grants_nothing(raw):
    principal = Principal.from_claims({"sub": "u1", "cognito:groups": raw, "custom:member_id": "M-1"})
    assert len(principal.groups) == 1
    with pytest.raises(Forbidden):
        principal.require_staff()
    with pytest.raises(Forbidden):
        principal.require_member()


def test_member_id_comes_from_the_token():
    principal = Principal.from_claims({"sub": "u1", "cognito:groups": "[member]", "custom:member_id": "M-1"})
    assert principal.require_member() == "M-1"


def test_an_account_without_member_id_is_told_it_is_not_linked():
    for claims in ({"sub": "u1", "cognito:groups": "[member]"}, {"sub": "u1"}, {"sub": "u1", "cognito:groups": "[]"}):
        with pytest.raises(Forbidden) as refused:
            Principal.from_claims(claims).require_member()
        assert refused.value.code == "account_not_linked"


def test_a_member_id_without_the_member_group_is_forbidden():
    with pytest.raises(Forbidden) as refused:
        Principal.from_claims({"sub": "u1", "custom:member_id": "M-1"}).require_member()
    assert refused.value.code == "forbidden"


def test_no_claims_is_unauthorized():
    with pytest.raises(Unauthorized):
        Principal.from_claims(None)
    with pytest.raises(Unauthorized):
        Principal.from_claims({"cognito:groups": "[naaei]"})


def test_wrong_group_is_forbidden():
    with pytest.raises(Forbidden):
        Principal.from_claims({"sub": "u1", "cognito:groups": "[member]"}).require_staff()


def test_affiliate_sees_only_its_own_members():
    aasc = Principal.from_claims({"sub": "a", "cognito:groups": "[affiliate]", "custom:affiliate": "AASC"})
    assert aasc.may_see_affiliate_member("AASC")
    assert not aasc.may_see_affiliate_member("AAGD")
    assert not aasc.may_see_affiliate_member(None)


@pytest.mark.parametrize(
    "path, groups",
    [
        ("/me", ("member",)),
        ("/me/contact", ("member",)),
        ("/admin/members/M-1", ("naaei",)),
        ("/review/cec-submissions", ("naaei",)),
        ("/affiliate/cec-forms", ("affiliate",)),
        ("/health", ()),
        ("/media", ()),
    ],
)
def test_each_part_of_the_api_names_its_group(path, groups):
    assert groups_for_path(path) == groups
