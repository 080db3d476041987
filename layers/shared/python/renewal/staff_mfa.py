"""Institute staff sign in with an authenticator app.

The user pool leaves MFA optional (members renew once a year and many would
never set one up), so the rule for staff is kept at token time: whenever
Cognito is about to issue tokens (a sign-in or a refresh), a person in a group
listed here who has no authenticator gets tokens *without* that group and with
a claim naming it. They are signed in as an ordinary user: the API refuses them
every staff route (403), and the portal tells them to set up an authenticator.
Once one is set up, Cognito asks for its code at every sign-in, so a token that
carries a staff group is one whose sign-in passed MFA.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from renewal.auth import NAAEI

# Groups whose powers need an authenticator: the institute's staff decide money and CECs.
GROUPS_NEEDING_MFA = (NAAEI,)
# Cognito's name for an authenticator app (TOTP) in a user's MFA settings.
AUTHENTICATOR = "SOFTWARE_TOKEN_MFA"
# The ID-token claim that tells the portal which groups were withheld and why.
WITHHELD_CLAIM = "mfa_required_for"


@dataclass(frozen=True)
class TokenGroups:
    """The groups a token carries, and those withheld until MFA is set up."""

    groups: list[str]
    withheld: list[str] = field(default_factory=list)

    @property
    def claims(self) -> dict[str, str]:
        """Claims to add to the ID token: none when nothing is withheld."""
        return {WITHHELD_CLAIM: " ".join(self.withheld)} if self.withheld else {}


def needs_mfa(groups: Iterable[str]) -> bool:
    """Whether the user's MFA settings must be read before tokens are issued."""
    return any(group in GROUPS_NEEDING_MFA for group in groups)


def token_groups(groups: Iterable[str], mfa_methods: Collection[str] | None) -> TokenGroups:
    """The groups a token may carry. `mfa_methods` is the user's enabled MFA
    (None when it could not be read: staff powers are then withheld, never
    granted on an unknown)."""
    groups = list(groups)
    if mfa_methods is not None and AUTHENTICATOR in mfa_methods:
        return TokenGroups(groups)
    return TokenGroups([g for g in groups if g not in GROUPS_NEEDING_MFA],
                       [g for g in groups if g in GROUPS_NEEDING_MFA])
