"""A held credential's standing, derived from the member's renewals as of today.

Issue #3 (invoices and renewal status) feeds the renewal records in; until a
member has any, a renewable credential reads `active` with nothing renewed yet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from renewal.credentials import CredentialCode


def credential_standing(code: str, related: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
    if code == CredentialCode.CAMT:
        # A lifetime certificate: never invoiced, never lapses.
        return {"status": "lifetime", "renewed_through": None}
    return {"status": "active", "renewed_through": None}
