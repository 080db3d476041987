"""The pre-token-generation trigger on moto's Cognito: a staff member's tokens
carry `naaei` only once an authenticator app is set up; everyone else's pass
untouched, without a call to Cognito."""

import copy

import boto3
import pytest
from botocore.stub import Stubber

from local import apigw, template
from tests.integration.conftest import POOL, STAFF

PASSWORD = "Local-Password-1a"


def invoke(event):
    function = template.functions()["StaffMfaFunction"]
    return apigw.load_handler(function)(copy.deepcopy(event), apigw.LambdaContext("StaffMfaFunction"))


def token_event(username, groups):
    """The (version 1) event Cognito sends before it issues tokens at a managed-login sign-in."""
    return {"version": "1", "triggerSource": "TokenGeneration_HostedAuth", "region": "us-east-1",
            "userPoolId": POOL["UserPool"], "userName": username,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": POOL["UserPoolClient"]},
            "request": {"userAttributes": {"sub": username, "email": f"{username}@example.org"},
                        "groupConfiguration": {"groupsToOverride": groups, "iamRolesToOverride": [],
                                               "preferredRole": None}},
            "response": {"claimsOverrideDetails": None}}


def staff_user(email, groups=("naaei",)):
    client = boto3.client("cognito-idp")
    pool = POOL["UserPool"]
    user = client.admin_create_user(UserPoolId=pool, Username=email, MessageAction="SUPPRESS",
                                    UserAttributes=[{"Name": "email", "Value": email},
                                                    {"Name": "email_verified", "Value": "true"}])["User"]
    client.admin_set_user_password(UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True)
    for group in groups:
        client.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=group)
    return user["Username"]


def set_up_authenticator(email):
    """What the portal's sign-in security page does with the person's access token."""
    client = boto3.client("cognito-idp")
    tokens = client.admin_initiate_auth(UserPoolId=POOL["UserPool"], ClientId=POOL["UserPoolClient"],
                                        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})
    access = tokens["AuthenticationResult"]["AccessToken"]
    client.associate_software_token(AccessToken=access)
    client.verify_software_token(AccessToken=access, UserCode="123456")
    client.set_user_mfa_preference(AccessToken=access,
                                   SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})


def overrides(answer):
    return (answer["response"].get("claimsOverrideDetails") or {})


def test_the_template_names_the_trigger():
    from local import cognito

    assert cognito.triggers(template.functions(), "PreTokenGeneration") == ["StaffMfaFunction"]


def test_staff_without_an_authenticator_get_tokens_without_the_staff_group(api):
    username = staff_user("jo@institute.example", groups=("naaei", "member"))
    answer = invoke(token_event(username, ["naaei", "member"]))
    details = overrides(answer)
    assert details["groupOverrideDetails"]["groupsToOverride"] == ["member"]
    assert details["claimsToAddOrOverride"] == {"mfa_required_for": "naaei"}
    # What that token can do: the staff routes refuse it.
    claims = {"sub": username, "cognito:groups": details["groupOverrideDetails"]["groupsToOverride"]}
    assert api.request("GET", "/admin/invoice-runs", claims=claims).status == 403


def test_staff_with_an_authenticator_keep_the_staff_group(api):
    username = staff_user("sam@institute.example")
    set_up_authenticator("sam@institute.example")
    answer = invoke(token_event(username, ["naaei"]))
    assert overrides(answer) == {}  # nothing overridden: the token carries the pool's groups
    assert api.request("GET", "/admin/invoice-runs", claims={**STAFF, "sub": username}).status == 200


def test_the_rule_holds_at_every_token_issue_a_refresh_included(api):
    username = staff_user("kim@institute.example")
    event = token_event(username, ["naaei"])
    event["triggerSource"] = "TokenGeneration_RefreshTokens"
    assert overrides(invoke(event))["groupOverrideDetails"]["groupsToOverride"] == []


def test_members_and_affiliates_pass_untouched_without_a_call_to_cognito(api):
    from renewal.adapters import user_pool

    with Stubber(user_pool.client()) as stub:  # no response queued: any call would fail the test
        for groups in (["member"], ["affiliate"], ["member", "affiliate"], []):
            event = token_event("someone", groups)
            assert invoke(event) == event
        stub.assert_no_pending_responses()


def test_when_cognito_cannot_answer_staff_powers_are_withheld_not_the_sign_in(api):
    from renewal.adapters import user_pool

    with Stubber(user_pool.client()) as stub:
        stub.add_client_error("admin_get_user", "TooManyRequestsException", http_status_code=429)
        answer = invoke(token_event("busy", ["naaei"]))
    assert overrides(answer)["groupOverrideDetails"]["groupsToOverride"] == []
