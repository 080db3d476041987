"""The caller, read from the JWT claims API Gateway passed on.

Authorization decisions are made here, in the domain layer, from these claims:
a member reaches only their own records, an affiliate only its own members,
the institute's staff (`naaei`) everything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from renewal.errors import Forbidden, Unauthorized

MEMBER = "member"
AFFILIATE = "affiliate"
NAAEI = "naaei"


def parse_groups(raw: Any) -> frozenset[str]:
    """`cognito:groups` arrives as a JSON list from Cognito, but API Gateway's HTTP
    API flattens list claims to a string such as "[naaei affiliate]": its items
    are separated by spaces, which a group name cannot contain. Nothing else
    separates them: a group named "member,naaei" is one group, and none of ours."""
    if raw is None:
        return frozenset()
    if isinstance(raw, (list, tuple, set, frozenset)):
        return frozenset(str(group) for group in raw if str(group))
    text = str(raw).strip()
    if text.startswith("[\"") and text.endswith("]"):
        try:
            listed = json.loads(text)  # a JSON list passed on as text
        except ValueError:
            listed = None
        if isinstance(listed, list):
            return parse_groups(listed)
    if text.startswith("[") and text.endswith("]"):
        return frozenset(text[1:-1].split())
    return frozenset([text]) if text else frozenset()


class Principal(NamedTuple):
    sub: str
    groups: frozenset[str] = frozenset()
    member_id: str | None = None
    affiliate: str | None = None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any] | None) -> Principal:
        if not claims or not claims.get("sub"):
            raise Unauthorized("A valid bearer token is required.")
        return cls(
            sub=str(claims["sub"]),
            groups=parse_groups(claims.get("cognito:groups")),
            member_id=_blank_to_none(claims.get("custom:member_id")),
            affiliate=_blank_to_none(claims.get("custom:affiliate")),
        )

    @property
    def actor(self) -> str:
        """How audit records name the caller."""
        return f"{'+'.join(sorted(self.groups)) or 'anonymous'}:{self.sub}"

    def require(self, *groups: str) -> Principal:
        if not self.groups.intersection(groups):
            raise Forbidden(f"This action needs one of the groups: {', '.join(groups)}.")
        return self

    def require_staff(self) -> Principal:
        return self.require(NAAEI)

    def require_member(self) -> str:
        """The member id of a `member` caller; it comes from the token, never the URL.
        A signed-in account not linked to a member yet is told so (the portal
        shows what to do: ask the institute, or sign up with the e-mail on file)."""
        if not self.member_id:
            raise Forbidden(
                "Your sign-in account is not linked to a member record yet. Sign up with the e-mail address the "
                "institute has on file for you, or ask the institute to link your account.",
                code="account_not_linked")
        self.require(MEMBER)
        return self.member_id

    def require_affiliate(self) -> str:
        self.require(AFFILIATE)
        if not self.affiliate:
            raise Forbidden("The token carries no affiliate (claim custom:affiliate).")
        return self.affiliate

    def require_not_self(self, member_id: str | None, action: str) -> None:
        """Nobody signs, credits or approves their own record. One person may hold
        several groups (a member who is also an affiliate officer, or staff), so
        the group alone does not settle it: the member id in the token does."""
        if member_id is not None and self.member_id == member_id:
            raise Forbidden(f"You cannot {action} your own record: another officer must do it.", code="own_record",
                            details=[{"rule": "no_self_approval", "member_id": member_id}])

    def may_see_affiliate_member(self, member_affiliate: str | None) -> bool:
        return NAAEI in self.groups or (
            AFFILIATE in self.groups and self.affiliate is not None and self.affiliate == member_affiliate
        )


# Which group may call which part of the API. Finer checks (own records, own
# affiliate's members) are made by the services with the same Principal.
PATH_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("/admin/", (NAAEI,)),
    ("/review/", (NAAEI,)),
    ("/affiliate/", (AFFILIATE,)),
    ("/me/", (MEMBER,)),
    ("/me", (MEMBER,)),
)


def groups_for_path(path: str) -> tuple[str, ...]:
    for prefix, groups in PATH_GROUPS:
        if path == prefix or path.startswith(prefix if prefix.endswith("/") else prefix + "/"):
            return groups
    return ()


def _blank_to_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
