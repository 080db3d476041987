"""Credential codes the institute awards. Which of them renew, and what they
cost or require, is the rule set's business (renewal.rules), not this module's."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Strict


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
        code = value.strip().upper()
        return ALIASES.get(code, code)
    return value


# A code as a request or a file writes it ("cam", "NALP"). Request bodies are read
# strictly (renewal.model), but a code is a string naming a member of the enum, and
# an unknown one must fail as an unknown code ("Input should be 'CAM', ...").
Code = Annotated[CredentialCode, Strict(False), BeforeValidator(normalize_code)]
