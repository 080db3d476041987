"""Credential codes the institute awards. Which of them renew, and what they
cost or require, is the rule set's business (renewal.rules), not this module's."""

from __future__ import annotations

from enum import StrEnum


class CredentialCode(StrEnum):
    CAM = "CAM"
    CALP = "CALP"
    CAPS = "CAPS"
    CAS = "CAS"
    AIME = "AIME"
    CAMT = "CAMT"


# CALP was formerly NALP; records and imports may still say NALP.
ALIASES = {"NALP": CredentialCode.CALP}


def normalize_code(value: object) -> object:
    """Upper-cases a code and maps historic aliases; leaves non-strings to pydantic."""
    if isinstance(value, str):
        code = ALIASES.get(value.strip().upper(), value.strip().upper())
        # The member of the enum when there is one (request bodies are read strictly).
        return CredentialCode(code) if code in CredentialCode._value2member_map_ else code
    return value
