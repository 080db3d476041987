"""Sign-in accounts on moto's Cognito: the post-confirmation trigger links a
sign-up to the one member with its e-mail, staff link or invite, and an
unlinked account is told so."""

import boto3
import pytest

from local import apigw, cognito, template
from tests.integration.conftest import POOL, STAFF, member_claims
from tests.integration.payloads import ANA, fresh


def put_member(api, member_id, email):
    body = fresh(ANA)
    body["contact"]["email"] = email
    assert api.request("PUT", f"/admin/members/{member_id}", claims=STAFF, body=body).status in (200, 201)


def invoke(function_id, event):
    function = template.functions()[function_id]
    return apigw.load_handler(function)(event, apigw.LambdaContext(function_id))


def sign_up(email):
    """A sign-up through the pool, its confirmation firing the template's trigger."""
    client = boto3.client("cognito-idp")
    functions = template.functions()
    username = cognito.sign_up(client, POOL["UserPool"], POOL["UserPoolClient"], email, invoke,
                               cognito.triggers(functions, cognito.POST_CONFIRMATION))
    return cognito.claims(client, POOL["UserPool"], username)


def test_the_template_names_the_trigger():
    assert cognito.triggers(template.functions(), cognito.POST_CONFIRMATION) == ["AccountLinkingFunction"]


def test_a_sign_up_with_the_email_on_file_is_linked(api):
    put_member(api, "M-1", "ana@example.org")
    claims = sign_up("ana@example.org")
    assert (claims["member_id"], claims["groups"]) == ("M-1", ["member"])
    me = api.request("GET", "/me", claims={"sub": claims["sub"], "cognito:groups": claims["groups"],
                                           "custom:member_id": claims["member_id"]})
    assert me.status == 200 and me.json()["member_id"] == "M-1"
    account = api.request("GET", "/admin/members/M-1", claims=STAFF).json()["account"]
    assert account["status"] == "linked" and account["email"] == "ana@example.org"
    history = api.request("GET", "/admin/members/M-1/history", claims=STAFF).json()["items"]
    assert history[-1]["action"] == "account.linked" and history[-1]["actor"].startswith("sign-up:")


def test_the_email_matches_whatever_its_case(api):
    put_member(api, "M-1", "Ana.Diaz@Example.org")
    assert sign_up("ANA.DIAZ@example.ORG")["member_id"] == "M-1"


def test_no_match_leaves_the_account_unlinked_and_me_says_so(api):
    put_member(api, "M-1", "ana@example.org")
    claims = sign_up("stranger@example.org")
    assert (claims["member_id"], claims["groups"]) == (None, [])
    me = api.request("GET", "/me", claims={"sub": claims["sub"], "cognito:groups": "[]"})
    assert me.status == 403
    error = me.json()["error"]
    assert error["code"] == "account_not_linked" and "e-mail address the institute has on file" in error["message"]


def test_several_members_sharing_the_email_leave_the_account_unlinked(api):
    put_member(api, "M-1", "family@example.org")
    put_member(api, "M-2", "family@example.org")
    claims = sign_up("family@example.org")
    assert (claims["member_id"], claims["groups"]) == (None, [])


def test_an_unverified_email_is_never_linked(api):
    from renewal import accounts

    put_member(api, "M-1", "ana@example.org")
    assert accounts.link_sign_up(POOL["UserPool"], "someone", {"email": "ana@example.org",
                                                               "email_verified": "false"}) is None


def test_a_member_id_the_sign_up_carried_itself_is_removed(api):
    client = boto3.client("cognito-idp")
    client.sign_up(ClientId=POOL["UserPoolClient"], Username="eve@example.org", Password="Local-Password1",
                   UserAttributes=[{"Name": "email", "Value": "eve@example.org"},
                                   {"Name": "custom:member_id", "Value": "M-1"}])
    user = client.admin_get_user(UserPoolId=POOL["UserPool"], Username="eve@example.org")
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    invoke("AccountLinkingFunction", cognito.post_confirmation_event(
        POOL["UserPool"], POOL["UserPoolClient"], user["Username"], {**attributes, "email_verified": "true"}))
    assert cognito.claims(client, POOL["UserPool"], user["Username"])["member_id"] is None


def test_a_password_reset_does_not_link(api):
    put_member(api, "M-1", "ana@example.org")
    event = cognito.post_confirmation_event(POOL["UserPool"], POOL["UserPoolClient"], "nobody",
                                            {"email": "ana@example.org", "email_verified": "true"})
    event["triggerSource"] = "PostConfirmation_ConfirmForgotPassword"
    assert invoke("AccountLinkingFunction", event) == event


def test_staff_invite_a_member_without_an_account(api):
    put_member(api, "M-1", "ana@example.org")
    reply = api.request("POST", "/admin/members/M-1/account", claims=STAFF, body={})
    assert reply.status == 200, reply.text
    link = reply.json()
    assert link["member_id"] == "M-1" and link["status"] == "invited"
    claims = cognito.claims(boto3.client("cognito-idp"), POOL["UserPool"], link["username"])
    assert (claims["member_id"], claims["groups"], claims["email"]) == ("M-1", ["member"], "ana@example.org")


def test_staff_link_an_account_that_signed_up_unlinked(api):
    put_member(api, "M-1", "ana@example.org")
    assert sign_up("ana.private@example.org")["member_id"] is None
    reply = api.request("POST", "/admin/members/M-1/account", claims=STAFF, body={"email": "ana.private@example.org"})
    assert reply.status == 200 and reply.json()["status"] == "linked"
    claims = cognito.claims(boto3.client("cognito-idp"), POOL["UserPool"], reply.json()["username"])
    assert (claims["member_id"], claims["groups"]) == ("M-1", ["member"])
    again = api.request("POST", "/admin/members/M-1/account", claims=STAFF, body={"email": "ana.private@example.org"})
    assert again.status == 200 and again.json()["status"] == "linked"


def test_an_account_linked_to_another_member_is_409(api):
    put_member(api, "M-1", "ana@example.org")
    put_member(api, "M-2", "bo@example.org")
    sign_up("ana@example.org")
    reply = api.request("POST", "/admin/members/M-2/account", claims=STAFF, body={"email": "ana@example.org"})
    assert reply.status == 409 and reply.json()["error"]["code"] == "account_linked_elsewhere"


@pytest.mark.parametrize("member_id, body, status", [
    ("M-404", {}, 404),
    ("M-1", {"email": "not-an-address"}, 422),
    ("M-1", {"email": "a@example.org", "member_id": "M-2"}, 422),
])
def test_bad_account_requests(api, member_id, body, status):
    put_member(api, "M-1", "ana@example.org")
    assert api.request("POST", f"/admin/members/{member_id}/account", claims=STAFF, body=body).status == status


def test_members_cannot_link_accounts(api):
    put_member(api, "M-1", "ana@example.org")
    reply = api.request("POST", "/admin/members/M-1/account", claims=member_claims("M-1"), body={})
    assert reply.status == 403
