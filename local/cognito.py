"""The user pool of template.yaml on moto's Cognito, and what Cognito does
around it that moto does not: the post-confirmation trigger.

- `create_user_pool` builds the pool, its app client and its groups from the
  template (moto's id strategy HASH keeps the pool id, and so the tokens'
  issuer, the same across restarts).
- `sign_up` is a sign-up as the hosted pages make it: SignUp, then the
  confirmation of the e-mail (which sets `email_verified`), then every function
  the template names as the pool's `PostConfirmation` trigger, invoked with the
  event Cognito sends.
- `claims` reads what the pool holds for a user (its attributes and groups),
  so the local sign-in issues tokens with the claims a real one would.
- `dump_users` / `load_users` keep the pool's users across restarts (moto
  forgets them; passwords are not kept, nor are the usernames and subs Cognito
  generates: a restored user gets new ones).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from typing import Any

from local import template

# Only what the local pool needs of AWS::Cognito::UserPool's properties (the SES
# sender, for one, does not exist here).
_POOL_PROPERTIES = ("Policies", "AutoVerifiedAttributes", "UsernameAttributes", "UsernameConfiguration",
                    "Schema", "AdminCreateUserConfig")
_CLIENT_PROPERTIES = ("ExplicitAuthFlows", "ReadAttributes", "WriteAttributes", "PreventUserExistenceErrors")
POST_CONFIRMATION = "PostConfirmation"


def create_user_pool(client: Any, resolve: Callable[[Any], Any] = lambda v: v) -> dict[str, str]:
    """Creates the template's user pool, client and groups. Returns the local ids
    by logical id ({"UserPool": "us-east-1_...", "UserPoolClient": "..."})."""
    os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
    os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY", "HASH")
    ids: dict[str, str] = {}
    for logical_id, pool in template.resources("AWS::Cognito::UserPool").items():
        props = resolve(pool.get("Properties") or {})
        args = {key: props[key] for key in _POOL_PROPERTIES if key in props}
        if "Policies" in args:
            # CloudFormation spells the password policy's numbers as strings at times; the API takes integers.
            policy = dict(args["Policies"].get("PasswordPolicy") or {})
            if "MinimumLength" in policy:
                policy["MinimumLength"] = int(policy["MinimumLength"])
            args["Policies"] = {"PasswordPolicy": policy}
        created = client.create_user_pool(PoolName=str(props.get("UserPoolName") or logical_id), **args)
        ids[logical_id] = created["UserPool"]["Id"]
    for logical_id, resource in template.resources("AWS::Cognito::UserPoolClient").items():
        props = resource.get("Properties") or {}
        pool_id = ids[props["UserPoolId"]["Ref"]]
        args = {key: props[key] for key in _CLIENT_PROPERTIES if key in props}
        created = client.create_user_pool_client(UserPoolId=pool_id, ClientName=logical_id,
                                                 GenerateSecret=bool(props.get("GenerateSecret")), **args)
        ids[logical_id] = created["UserPoolClient"]["ClientId"]
    for logical_id, resource in template.resources("AWS::Cognito::UserPoolGroup").items():
        props = resource.get("Properties") or {}
        client.create_group(UserPoolId=ids[props["UserPoolId"]["Ref"]], GroupName=props["GroupName"],
                            Description=str(props.get("Description") or ""))
    return ids


def triggers(functions: dict[str, template.Function], trigger: str) -> list[str]:
    """Logical ids of the functions the template names as the pool's `trigger`."""
    return [f.logical_id for f in functions.values()
            for event in f.cognito_triggers if event["trigger"] == trigger]


def _attributes(user: dict[str, Any], key: str) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in user.get(key, [])}


def sign_up(client: Any, pool_id: str, client_id: str, email: str, invoke: Callable[[str, dict], Any],
            trigger_functions: list[str], password: str | None = None) -> str:
    """A person signs up and confirms their e-mail; returns their username.
    The trigger runs as Cognito runs it: after the confirmation, with the
    user's attributes; its failure fails the confirmation step, as in Cognito."""
    password = password or _password()
    # The pool compares e-mails without case (UsernameConfiguration); moto does not, so keep them in one case.
    email = email.casefold()
    client.sign_up(ClientId=client_id, Username=email, Password=password,
                   UserAttributes=[{"Name": "email", "Value": email}])
    username = client.admin_get_user(UserPoolId=pool_id, Username=email)["Username"]
    client.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode="000000")
    # The code proves the address: Cognito marks it verified (moto does not).
    client.admin_update_user_attributes(UserPoolId=pool_id, Username=username,
                                        UserAttributes=[{"Name": "email_verified", "Value": "true"}])
    user = client.admin_get_user(UserPoolId=pool_id, Username=username)
    event = post_confirmation_event(pool_id, client_id, username, _attributes(user, "UserAttributes"))
    for function_id in trigger_functions:
        invoke(function_id, event)
    return username


def post_confirmation_event(pool_id: str, client_id: str, username: str, attributes: dict[str, str]) -> dict[str, Any]:
    """The event Cognito sends a PostConfirmation trigger after a sign-up."""
    region = pool_id.split("_", 1)[0]
    return {
        "version": "1", "region": region, "userPoolId": pool_id, "userName": username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "triggerSource": "PostConfirmation_ConfirmSignUp",
        "request": {"userAttributes": {**attributes, "cognito:user_status": "CONFIRMED"}},
        "response": {},
    }


def find(client: Any, pool_id: str, email: str) -> dict[str, Any] | None:
    quoted = email.replace('"', '\\"')
    users = client.list_users(UserPoolId=pool_id, Filter=f'email = "{quoted}"').get("Users", [])
    if not users and email != email.casefold():
        return find(client, pool_id, email.casefold())
    return users[0] if users else None


def claims(client: Any, pool_id: str, username: str) -> dict[str, Any]:
    """What a token for the user carries: sub, e-mail, custom attributes, groups."""
    user = client.admin_get_user(UserPoolId=pool_id, Username=username)
    attributes = _attributes(user, "UserAttributes")
    groups = [g["GroupName"] for g in client.admin_list_groups_for_user(UserPoolId=pool_id,
                                                                        Username=username).get("Groups", [])]
    return {"sub": attributes.get("sub", username), "email": attributes.get("email"), "groups": groups,
            "member_id": attributes.get("custom:member_id"), "affiliate": attributes.get("custom:affiliate")}


def dump_users(client: Any, pool_id: str) -> list[dict[str, Any]]:
    saved = []
    for page in client.get_paginator("list_users").paginate(UserPoolId=pool_id):
        for user in page.get("Users", []):
            groups = client.admin_list_groups_for_user(UserPoolId=pool_id, Username=user["Username"])
            saved.append({
                "attributes": {k: v for k, v in _attributes(user, "Attributes").items() if k != "sub"},
                "status": user.get("UserStatus"), "enabled": user.get("Enabled", True),
                "groups": [g["GroupName"] for g in groups.get("Groups", [])],
            })
    return saved


def load_users(client: Any, pool_id: str, saved: list[dict[str, Any]]) -> None:
    for user in saved:
        attributes = user["attributes"]
        created = client.admin_create_user(
            UserPoolId=pool_id, Username=attributes.get("email") or secrets.token_hex(8), MessageAction="SUPPRESS",
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()])["User"]
        username = created["Username"]
        if user.get("status") == "CONFIRMED":
            client.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=_password(),
                                           Permanent=True)
        for group in user.get("groups", []):
            client.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)


def _password() -> str:
    # Meets the template's policy (length, upper, lower, digits); never shown: the local sign-in asks for none.
    return "Local-" + secrets.token_hex(8) + "Aa1"


class LocalUserPool:
    """The stack's pool: sign-ups with the trigger, and the claims a token carries."""

    def __init__(self, client: Any, ids: dict[str, str], invoke: Callable[[str, dict], Any],
                 functions: dict[str, template.Function]):
        self.client = client
        self.pool_id = next(v for k, v in ids.items() if k in template.resources("AWS::Cognito::UserPool"))
        self.client_id = next(v for k, v in ids.items() if k in template.resources("AWS::Cognito::UserPoolClient"))
        self.invoke = invoke
        self.post_confirmation = triggers(functions, POST_CONFIRMATION)

    def sign_up(self, email: str) -> dict[str, Any]:
        """Signs up and confirms; the claims the pool holds afterwards."""
        username = sign_up(self.client, self.pool_id, self.client_id, email, self.invoke, self.post_confirmation)
        return claims(self.client, self.pool_id, username)

    def claims_for(self, email: str) -> dict[str, Any] | None:
        user = find(self.client, self.pool_id, email)
        return claims(self.client, self.pool_id, user["Username"]) if user else None

    def dump(self) -> list[dict[str, Any]]:
        return dump_users(self.client, self.pool_id)

    def load(self, saved: list[dict[str, Any]] | None) -> None:
        load_users(self.client, self.pool_id, saved or [])
