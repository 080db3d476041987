"""The local user pool's pre token generation (local.cognito) on moto: the
template's trigger runs with Cognito's event and its answer shapes the claims;
a trigger that fails, or answers what Cognito refuses, fails the sign-in."""

from __future__ import annotations

import boto3
import pytest

from local import apigw, cognito, template
from tests.integration.conftest import POOL


def pool(pre_token=None) -> cognito.LocalUserPool:
    """The pool with the template's triggers, or `pre_token` in place of its pre token generation one."""
    functions = template.functions()

    def run(function_id, event):
        if pre_token is not None and event["triggerSource"].startswith("TokenGeneration_"):
            return pre_token(function_id, event)
        return apigw.load_handler(functions[function_id])(event, apigw.LambdaContext(function_id))

    return cognito.LocalUserPool(boto3.client("cognito-idp"), POOL, run, functions)


def test_the_template_names_the_staff_mfa_trigger(aws):
    assert pool().pre_token_generation == ["StaffMfaFunction"]


def test_staff_without_an_app_get_their_group_withheld_and_a_member_passes_untouched(aws):
    users = pool()
    staff = users.sign_up("pt.staff@example.org", ["naaei"])["username"]
    member = users.sign_up("pt.member@example.org", ["member"])["username"]

    held = users.token_claims(staff, POOL["UserPoolClient"], "TokenGeneration_HostedAuth")
    assert held["groups"] == [] and held["id_claims"] == {"mfa_required_for": "naaei"}
    assert users.token_claims(member, POOL["UserPoolClient"], "TokenGeneration_HostedAuth")["groups"] == ["member"]


def test_the_event_is_cognitos_and_suppressed_claims_are_listed(aws):
    seen = []

    def trigger(function_id, event):
        seen.append(event)
        return {**event, "response": {"claimsOverrideDetails": {"claimsToSuppress": ["email"],
                                                                "claimsToAddOrOverride": {"tier": "gold"}}}}

    users = pool(trigger)
    username = users.sign_up("pt.event@example.org", ["affiliate"])["username"]
    held = users.token_claims(username, POOL["UserPoolClient"], "TokenGeneration_RefreshTokens")

    [event] = seen
    assert event["triggerSource"] == "TokenGeneration_RefreshTokens" and event["userName"] == username
    assert event["request"]["groupConfiguration"]["groupsToOverride"] == ["affiliate"]
    assert event["request"]["userAttributes"]["email"] == "pt.event@example.org"
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert held["groups"] == ["affiliate"]  # no group override: the pool's groups
    assert held["suppress"] == ["email"] and held["id_claims"] == {"tier": "gold"}


@pytest.mark.parametrize("answer", [
    {"claimsOverrideDetails": {"claimsToAddOrOverride": {"sub": "someone-else"}}},
    {"claimsOverrideDetails": {"claimsToSuppress": ["cognito:groups"]}},
    {"claimsOverrideDetails": {"claimsToAddOrOverride": {"level": 3}}},
])
def test_an_answer_cognito_refuses_fails_the_sign_in(aws, answer):
    users = pool(lambda function_id, event: {**event, "response": answer})
    username = users.sign_up("pt.refused@example.org")["username"]
    with pytest.raises(cognito.TriggerFailed):
        users.token_claims(username, POOL["UserPoolClient"], "TokenGeneration_HostedAuth")


def test_a_trigger_that_raises_fails_the_sign_in(aws):
    def broken(function_id, event):
        raise RuntimeError("boom")

    users = pool(broken)
    username = users.sign_up("pt.broken@example.org")["username"]
    with pytest.raises(cognito.TriggerFailed, match="RuntimeError: boom"):
        users.token_claims(username, POOL["UserPoolClient"], "TokenGeneration_HostedAuth")
