"""The user pool of template.yaml on moto's Cognito, and what Cognito does
around it that moto does not: the post-confirmation and pre token generation
triggers, and the users' authenticator apps (local.authenticators).

- `create_user_pool` builds the pool, its app client and its groups from the
  template (moto's id strategy HASH keeps the pool id, and so the tokens'
  issuer, the same across restarts).
- `sign_up` is a sign-up as the hosted pages make it: SignUp, then the
  confirmation of the e-mail (which sets `email_verified`), then every function
  the template names as the pool's `PostConfirmation` trigger, invoked with the
  event Cognito sends.
- `claims` reads what the pool holds for a user (its attributes and groups),
  so the local sign-in issues tokens with the claims a real one would;
  `LocalUserPool.token_claims` then runs every function the template names as
  the pool's `PreTokenGeneration` trigger with the (version 1) event Cognito
  sends, and applies its answer: the groups it overrides (ID and access
  token), the claims it adds, overrides or suppresses (ID token).
- `dump_users` / `load_users` keep the pool's users across restarts (moto
  forgets them; passwords are not kept, nor are the usernames and subs Cognito
  generates: a restored user gets new ones; an authenticator app is kept).
"""

from __future__ import annotations

import copy
import os
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from local import template
from local.authenticators import Authenticators

# Only what the local pool needs of AWS::Cognito::UserPool's properties (the SES
# sender, for one, does not exist here).
_POOL_PROPERTIES = ("Policies", "AutoVerifiedAttributes", "UsernameAttributes", "UsernameConfiguration",
                    "Schema", "AdminCreateUserConfig")
_CLIENT_PROPERTIES = ("ExplicitAuthFlows", "ReadAttributes", "WriteAttributes", "PreventUserExistenceErrors")
POST_CONFIRMATION = "PostConfirmation"
PRE_TOKEN_GENERATION = "PreTokenGeneration"
# What Cognito's pre token generation (version 1) may not add, override or suppress:
# the claims that make a token what it is. Refused here, so a trigger that tries is
# found on the local stack rather than in AWS.
RESERVED_CLAIMS = frozenset({"acr", "amr", "aud", "at_hash", "auth_time", "azp", "exp", "iat", "identities", "iss",
                             "jti", "nonce", "origin_jti", "sub", "token_use", "cognito:username", "cognito:groups",
                             "cognito:roles", "cognito:preferred_role", "event_id"})


class TriggerFailed(Exception):
    """A user pool trigger raised or answered what Cognito refuses: the sign-in fails."""


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
        if props.get("MfaConfiguration") in ("ON", "OPTIONAL"):
            client.set_user_pool_mfa_config(
                UserPoolId=ids[logical_id], MfaConfiguration=props["MfaConfiguration"],
                SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in (props.get("EnabledMfas") or [])})
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


def pre_token_generation_event(pool_id: str, client_id: str, username: str, attributes: dict[str, str],
                               groups: list[str], source: str) -> dict[str, Any]:
    """The (version 1) event Cognito sends a PreTokenGeneration trigger before it
    writes a user's tokens; `source` is TokenGeneration_HostedAuth at a managed-login
    sign-in, TokenGeneration_RefreshTokens at a refresh."""
    region = pool_id.split("_", 1)[0]
    return {
        "version": "1", "triggerSource": source, "region": region, "userPoolId": pool_id, "userName": username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "request": {"userAttributes": attributes,
                    "groupConfiguration": {"groupsToOverride": list(groups), "iamRolesToOverride": [],
                                           "preferredRole": None}},
        "response": {"claimsOverrideDetails": None},
    }


def apply_claims_override(held: dict[str, Any], response: Any) -> dict[str, Any]:
    """The token claims after a trigger's answer (`response` of the event it returns)."""
    details = (response or {}).get("claimsOverrideDetails") if isinstance(response, dict) else None
    if not details:
        return held
    add = details.get("claimsToAddOrOverride") or {}
    suppress = list(details.get("claimsToSuppress") or [])
    reserved = sorted((set(add) | set(suppress)) & RESERVED_CLAIMS)
    if reserved:
        raise TriggerFailed(f"the trigger may not add, override or suppress {', '.join(reserved)}")
    if not all(isinstance(value, str) for value in add.values()):
        raise TriggerFailed("claimsToAddOrOverride takes string values")
    groups = (details.get("groupOverrideDetails") or {}).get("groupsToOverride")
    return {**held, "groups": list(groups) if groups is not None else held["groups"],
            "id_claims": {**held["id_claims"], **add}, "suppress": [*held["suppress"], *suppress]}


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
            "member_id": attributes.get("custom:member_id"), "affiliate": attributes.get("custom:affiliate"),
            "username": user["Username"]}


def dump_users(client: Any, pool_id: str, authenticators: Authenticators | None = None) -> list[dict[str, Any]]:
    saved = []
    for page in client.get_paginator("list_users").paginate(UserPoolId=pool_id):
        for user in page.get("Users", []):
            groups = client.admin_list_groups_for_user(UserPoolId=pool_id, Username=user["Username"])
            kept: dict[str, Any] = {
                "attributes": {k: v for k, v in _attributes(user, "Attributes").items() if k != "sub"},
                "status": user.get("UserStatus"), "enabled": user.get("Enabled", True),
                "groups": [g["GroupName"] for g in groups.get("Groups", [])],
            }
            if authenticators is not None and authenticators.has(user["Username"]):
                detail = client.admin_get_user(UserPoolId=pool_id, Username=user["Username"])
                kept["authenticator"] = authenticators.saved(user["Username"], detail)
            saved.append(kept)
    return saved


def load_users(client: Any, pool_id: str, saved: list[dict[str, Any]],
               authenticators: Authenticators | None = None) -> None:
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
        if authenticators is not None and user.get("authenticator"):
            authenticators.restore(username, user["authenticator"])


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
        self.pre_token_generation = triggers(functions, PRE_TOKEN_GENERATION)
        self.authenticators = Authenticators(client, self.pool_id, self.client_id, _password)

    def sign_up(self, email: str, groups: Sequence[str] = ()) -> dict[str, Any]:
        """Signs up and confirms, then adds the account to `groups` as an administrator
        would (institute staff); the claims the pool holds afterwards."""
        username = sign_up(self.client, self.pool_id, self.client_id, email, self.invoke, self.post_confirmation)
        for group in groups:
            self.client.admin_add_user_to_group(UserPoolId=self.pool_id, Username=username, GroupName=group)
        return claims(self.client, self.pool_id, username)

    def claims_for(self, email: str) -> dict[str, Any] | None:
        user = find(self.client, self.pool_id, email)
        return claims(self.client, self.pool_id, user["Username"]) if user else None

    def username_for(self, email: str) -> str | None:
        user = find(self.client, self.pool_id, email)
        return user["Username"] if user else None

    def username_of_sub(self, sub: str) -> str | None:
        """The user whose `sub` a token names (Cognito's user API acts on the access token's user)."""
        quoted = sub.replace('"', '\\"')
        users = self.client.list_users(UserPoolId=self.pool_id, Filter=f'sub = "{quoted}"').get("Users", [])
        return users[0]["Username"] if users else None

    def token_claims(self, username: str, client_id: str, source: str) -> dict[str, Any]:
        """What the tokens of a sign-in (or refresh) carry: the pool's claims, then
        the pre token generation trigger's changes. Raises TriggerFailed as Cognito
        fails the sign-in when the trigger does."""
        user = self.client.admin_get_user(UserPoolId=self.pool_id, Username=username)
        held = {**claims(self.client, self.pool_id, username), "id_claims": {}, "suppress": []}
        if not self.pre_token_generation:
            return held
        attributes = {**_attributes(user, "UserAttributes"), "cognito:user_status": user["UserStatus"]}
        event = pre_token_generation_event(self.pool_id, client_id, username, attributes, held["groups"], source)
        for function_id in self.pre_token_generation:
            try:
                answered = self.invoke(function_id, copy.deepcopy(event))
            except Exception as error:
                raise TriggerFailed(f"{type(error).__name__}: {error}") from error
            held = apply_claims_override(held, answered.get("response") if isinstance(answered, dict) else None)
        return held

    def dump(self) -> list[dict[str, Any]]:
        return dump_users(self.client, self.pool_id, self.authenticators)

    def load(self, saved: list[dict[str, Any]] | None) -> None:
        load_users(self.client, self.pool_id, saved or [], self.authenticators)
