"""The Cognito adapter: sign-in accounts in the user pool (find by e-mail,
invite, link to a member). Services never see boto3's shapes: a user is a
plain `Account`."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from renewal import config

MEMBER_ID_ATTRIBUTE = "custom:member_id"


@dataclass(frozen=True)
class Account:
    username: str
    email: str | None
    member_id: str | None
    status: str  # Cognito's UserStatus: CONFIRMED, FORCE_CHANGE_PASSWORD, UNCONFIRMED...
    enabled: bool = True


class AccountExists(Exception):
    pass


@functools.cache
def client():
    # Admin calls share per-account quotas (AdminCreateUser: 50 a second by default);
    # adaptive retries slow an import's invitations down instead of failing them.
    return boto3.client("cognito-idp", config=Config(retries={"mode": "adaptive", "max_attempts": 8}))


def reset() -> None:
    client.cache_clear()


def _account(username: str, attributes: list[dict[str, str]], status: str, enabled: bool = True) -> Account:
    values = {a["Name"]: a["Value"] for a in attributes}
    return Account(username=username, email=values.get("email"), member_id=values.get(MEMBER_ID_ATTRIBUTE) or None,
                   status=status, enabled=enabled)


def find_by_email(email: str, pool_id: str | None = None) -> list[Account]:
    """Accounts whose e-mail is `email`. Cognito compares e-mails without case;
    the lower-case spelling is tried too, for back ends that do not."""
    pool = pool_id or config.user_pool_id()
    found: dict[str, Account] = {}
    for spelling in dict.fromkeys((email, email.casefold())):
        quoted = spelling.replace("\\", "\\\\").replace('"', '\\"')
        for page in client().get_paginator("list_users").paginate(UserPoolId=pool, Filter=f'email = "{quoted}"'):
            for user in page.get("Users", []):
                found[user["Username"]] = _account(user["Username"], user.get("Attributes", []),
                                                   user.get("UserStatus", ""), user.get("Enabled", True))
        if found:
            break
    return list(found.values())


def get(username: str, pool_id: str | None = None) -> Account | None:
    try:
        user = client().admin_get_user(UserPoolId=pool_id or config.user_pool_id(), Username=username)
    except ClientError as error:
        if error.response["Error"]["Code"] == "UserNotFoundException":
            return None
        raise
    return _account(user["Username"], user.get("UserAttributes", []), user.get("UserStatus", ""),
                    user.get("Enabled", True))


def mfa_methods(username: str, pool_id: str) -> list[str]:
    """The MFA methods the user has enabled (SOFTWARE_TOKEN_MFA for an authenticator app)."""
    user = client().admin_get_user(UserPoolId=pool_id, Username=username)
    return list(user.get("UserMFASettingList") or [])


def groups_of(username: str, pool_id: str | None = None) -> list[str]:
    pages = client().get_paginator("admin_list_groups_for_user").paginate(
        UserPoolId=pool_id or config.user_pool_id(), Username=username)
    return [group["GroupName"] for page in pages for group in page.get("Groups", [])]


def invite(email: str, member_id: str, group: str) -> Account:
    """Creates the account; Cognito e-mails the invitation with a temporary password.
    AccountExists when an account has that e-mail already."""
    pool = config.user_pool_id()
    # The pool compares e-mails without case; one spelling keeps every back end finding it.
    email = email.casefold()
    try:
        user = client().admin_create_user(
            UserPoolId=pool, Username=email, DesiredDeliveryMediums=["EMAIL"],
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
                            {"Name": MEMBER_ID_ATTRIBUTE, "Value": member_id}],
        )["User"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "UsernameExistsException":
            raise AccountExists(email) from error
        raise
    client().admin_add_user_to_group(UserPoolId=pool, Username=user["Username"], GroupName=group)
    return _account(user["Username"], user.get("Attributes", []), user.get("UserStatus", ""))


def link(username: str, member_id: str, group: str, pool_id: str | None = None) -> None:
    """Sets the account's member id and puts it in the group (both idempotent)."""
    pool = pool_id or config.user_pool_id()
    client().admin_update_user_attributes(UserPoolId=pool, Username=username,
                                          UserAttributes=[{"Name": MEMBER_ID_ATTRIBUTE, "Value": member_id}])
    client().admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)


def clear_member_id(username: str, pool_id: str | None = None) -> None:
    client().admin_delete_user_attributes(UserPoolId=pool_id or config.user_pool_id(), Username=username,
                                          UserAttributeNames=[MEMBER_ID_ATTRIBUTE])
