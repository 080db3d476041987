"""Sign-in accounts and the members they belong to.

An account carries its member's id (`custom:member_id`) and the group `member`;
only this service writes them (the pool's app client cannot, so a member never
sets their own). Three ways in:

- A person signs up with an e-mail that is on file for exactly one member: the
  post-confirmation trigger links the account (`link_sign_up`). No match, or
  several members sharing the address, leave it unlinked until staff act.
- Staff link an existing account, or invite one (`link_or_invite`).
- An import invites every imported member who has no account yet (`invite_member`).

The member's partition keeps an `ACCOUNT` record (username, invited or linked),
so the staff console shows it and an import does not invite anyone twice.
"""

from typing import Any, Literal

from aws_lambda_powertools import Logger
from pydantic import ConfigDict

from renewal import audit, clock, directory, keys
from renewal.adapters import store, user_pool
from renewal.auth import MEMBER, Principal
from renewal.errors import Conflict, NotFound, ValidationFailed
from renewal.members import Email
from renewal.model import Model

logger = Logger()

INVITED, LINKED = "invited", "linked"


class AccountRequest(Model):
    model_config = ConfigDict(extra="forbid")

    email: Email | None = None


class AccountLink(Model):
    member_id: str
    username: str
    status: Literal["invited", "linked"]


def record(member_id: str, username: str, email: str | None, status: str, actor: str, how: str) -> None:
    """The account on the member's record, and its audit entry. The change itself
    is in the user pool, outside any DynamoDB transaction, so one batch write of
    the two unconditional puts is enough (and writing them again is harmless)."""
    now = clock.now_iso()
    account = {**keys.account_key(member_id), "username": username, "email": email, "status": status, "at": now,
               "how": how}
    entry = audit.entry_record(actor, history_pk=keys.member_history_pk(member_id), action=f"account.{status}",
                               changes={"account": {"from": None, "to": username}, "how": {"from": None, "to": how}})
    store.batch_write(puts=[account, entry])


def link_or_invite(principal: Principal, member_id: str, request: AccountRequest) -> AccountLink:
    """Staff: link the account that has the e-mail to the member, or invite one."""
    principal.require_staff()
    profile = store.get(keys.member_key(member_id))
    if profile is None:
        raise NotFound(f"No member {member_id}.")
    email = request.email or (profile.get("contact") or {}).get("email")
    if not email:
        raise ValidationFailed("The member has no e-mail on file; send the address to invite.",
                               details=[{"field": "email", "rule": "required"}])
    found = user_pool.find_by_email(email)
    if found:
        account = found[0]
        if account.member_id and account.member_id != member_id:
            raise Conflict(f"The account {email} is linked to member {account.member_id} already.",
                           code="account_linked_elsewhere",
                           details=[{"field": "email", "member_id": account.member_id}])
        user_pool.link(account.username, member_id, MEMBER)
        username, status = account.username, LINKED
    else:
        try:
            username, status = user_pool.invite(email, member_id, MEMBER).username, INVITED
        except user_pool.AccountExists:
            # Signed up between the lookup and the invitation: link that account.
            return link_or_invite(principal, member_id, request)
    record(member_id, username, email, status, principal.actor, "staff")
    return AccountLink(member_id=member_id, username=username, status=status)


def invite_member(member_id: str, email: str, actor: str) -> list[dict[str, Any]] | None:
    """An import's invitation: the records to write when an invitation went out
    (or an unlinked account was linked), None when the member needs none."""
    try:
        account = user_pool.invite(email, member_id, MEMBER)
        status = INVITED
    except user_pool.AccountExists:
        existing = next(iter(user_pool.find_by_email(email)), None)
        if existing is None or (existing.member_id and existing.member_id != member_id):
            return None  # someone else's account: staff decide (POST /admin/members/{id}/account says why)
        user_pool.link(existing.username, member_id, MEMBER)
        account, status = existing, LINKED
    now = clock.now_iso()
    return [{**keys.account_key(member_id), "username": account.username, "email": email, "status": status,
             "at": now, "how": "import"}]


def link_sign_up(pool_id: str, username: str, attributes: dict[str, str]) -> str | None:
    """The post-confirmation trigger: link a newly confirmed account to the one
    member whose e-mail on file is the account's (any case). Returns the member id,
    or None when the account stays unlinked."""
    email = attributes.get("email")
    if not email or attributes.get("email_verified") != "true":
        return None
    matches = directory.members_with_email(email)
    if len(matches) != 1:
        logger.info("sign-up left unlinked", extra={"matches": len(matches), "username": username})
        if attributes.get(user_pool.MEMBER_ID_ATTRIBUTE):
            # Not ours to keep: only this service sets a member id.
            user_pool.clear_member_id(username, pool_id)
        return None
    (member_id,) = matches
    user_pool.link(username, member_id, MEMBER, pool_id)
    record(member_id, username, email, LINKED, f"sign-up:{attributes.get('sub', username)}", "sign-up")
    return member_id
