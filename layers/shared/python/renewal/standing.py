"""A member's standing, derived whenever it is read (never stored, so it never
waits for a batch job): the status of a renewal year as of today, and each held
credential's status and `renewed_through`.

Everything comes from the member's page of data (one Query): the invoice of a
year carries the snapshot of the rule set it was issued under (the rule set is
locked once the year's invoice run starts), so reading standing needs no
further call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from renewal import cec, invoicing
from renewal.credentials import CredentialCode

NOT_REQUIRED, OPEN, GRACE, LAPSED, RENEWED, WAIVED = "not_required", "open", "grace", "lapsed", "renewed", "waived"
MILITARY = "military_deployment"
EMERITUS = "emeritus"


def status_of(*, required: bool, waived: bool, paid: bool, cec_complete: bool, due_date: dt.date,
              grace_ends: dt.date, today: dt.date) -> str:
    if waived:
        return WAIVED
    if not required:
        return NOT_REQUIRED
    if paid and cec_complete:
        return RENEWED
    if today <= due_date:
        return OPEN
    if today <= grace_ends:
        return GRACE
    return LAPSED


def waivers_in(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The waiver items of a member's partition."""
    return [i for i in items if str(i.get("SK", "")).startswith("WAIVER#")]


def military_waived(waivers: Iterable[Mapping[str, Any]], renewal_year: int) -> bool:
    """Dues and CECs waived for that one year (a revoked waiver no longer counts)."""
    return any(w["type"] == MILITARY and int(w["renewal_year"]) == renewal_year and not w.get("revoked_at")
               for w in waivers)


def emeritus_from(waivers: Iterable[Mapping[str, Any]], renewal_year: int) -> bool:
    """CECs waived from the named year on."""
    return any(w["type"] == EMERITUS and int(w["renewal_year"]) <= renewal_year and not w.get("revoked_at")
               for w in waivers)


def activities(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Every CEC activity of a member's page: those credited on their own (a class
    roster) and those inside submissions. A submission keeps its activities and
    their statuses in its own item, so checking or deciding one of any size is a
    single write."""
    found: list[Mapping[str, Any]] = []
    for item in items:
        sort_key = str(item.get("SK", ""))
        if sort_key.startswith("CEC#") and item.get("source") != "submission":
            # (Submitted activities once had items of their own; the submission is their record now.)
            found.append(item)
        elif sort_key.startswith("SUBMISSION#"):
            found.extend(submitted_activities(item))
    return found


def submitted_activities(submission: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A submission's activities as the member sees them: one the reviewer
    rejected carries the decision's note (kept once, on the submission)."""
    note = submission.get("note")
    return [{**a, "note": note} if a.get("status") == "rejected" and not a.get("note") and note else dict(a)
            for a in submission.get("activities", [])]


class YearStanding(NamedTuple):
    status: str
    paid: bool
    cec_complete: bool
    tally: cec.Tally


def invoice_standing(invoice: Mapping[str, Any], items: list[Mapping[str, Any]], today: dt.date) -> YearStanding:
    """The standing of the year an invoice was issued for."""
    terms = invoice["terms"]
    year = int(invoice["renewal_year"])
    counted = cec.tally(
        activities(items),
        dt.date.fromisoformat(terms["earning_window"]["start"]),
        dt.date.fromisoformat(terms["earning_window"]["end"]),
        float(terms["participation_cap"]),
    )
    waivers = waivers_in(items)
    owed = invoicing.requirement((), waivers, None, invoice)  # the one answer to "how many CECs"
    done = cec.complete(counted, owed.cec_required, owed.in_network_required, owed.waived)
    paid = invoice["status"] == "paid"
    status = status_of(
        required=True,
        waived=military_waived(waivers, year),
        paid=paid,
        cec_complete=done,
        due_date=dt.date.fromisoformat(invoice["due_date"]),
        grace_ends=dt.date.fromisoformat(terms["grace_ends"]),
        today=today,
    )
    return YearStanding(status=status, paid=paid, cec_complete=done, tally=counted)


def invoices(items: Iterable[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    return {int(i["renewal_year"]): i for i in items if str(i.get("SK", "")).startswith("INVOICE#")}


# A renewable credential's status follows the renewal of the current calendar year.
CREDENTIAL_STATUS = {OPEN: "active", RENEWED: "active", WAIVED: "active", NOT_REQUIRED: "active",
                     GRACE: "grace", LAPSED: "lapsed"}


def settled_before(profile: Mapping[str, Any] | None, renewal_year: int) -> bool:
    """True when the previous system had already settled the year (an import's
    `renewed_through`): the year reads renewed and is never invoiced here."""
    settled = (profile or {}).get("settled_through")
    return settled is not None and int(settled) >= renewal_year


def needs_current_rules(profile: Mapping[str, Any], related: list[Mapping[str, Any]], today: dt.date) -> bool:
    """Whether a credential's status needs this year's rule set: only for a member
    whose history came from the previous system, behind on this year, and not
    invoiced for it here (the rule set's deadlines then say open, grace or lapsed)."""
    settled = profile.get("settled_through")
    return settled is not None and int(settled) < today.year and today.year not in invoices(related)


def credential_standing(code: str, related: list[Mapping[str, Any]], today: dt.date, *,
                        profile: Mapping[str, Any] | None = None, current_rules: Any = None) -> dict[str, Any]:
    """A held credential's status and `renewed_through`. With the member's
    `profile`, the renewal history an import brought in counts too: years up to
    `settled_through` are renewed; the current year, when not invoiced here, is
    judged by `current_rules` (this year's rule set) as an unpaid renewal, or,
    without one, lapsed once a whole renewal year went unsettled."""
    if code == CredentialCode.CAMT:
        # A lifetime certificate: never invoiced, never lapses.
        return {"status": "lifetime", "renewed_through": None}
    by_year = invoices(related)
    renewed_through = None
    current = None
    for year, invoice in sorted(by_year.items()):
        if code not in invoice.get("credentials", []):
            continue
        standing = invoice_standing(invoice, related, today)
        if standing.status in (RENEWED, WAIVED):
            renewed_through = year
        if year == today.year:
            current = CREDENTIAL_STATUS[standing.status]
    settled = _settled_for(code, profile)
    if settled is not None:
        renewed_through = max(renewed_through or settled, settled)
        if current is None and today.year not in by_year:
            current = _status_after_history(settled, today, current_rules)
    return {"status": current or "active", "renewed_through": renewed_through}


def _settled_for(code: str, profile: Mapping[str, Any] | None) -> int | None:
    """The previous system's last settled year, for a credential held by then."""
    if not profile or profile.get("settled_through") is None:
        return None
    settled = int(profile["settled_through"])
    held = next((c for c in profile.get("credentials", []) if c["code"] == code), None)
    if held is None or dt.date.fromisoformat(held["earned_on"]).year > settled:
        return None
    return settled


def _status_after_history(settled: int, today: dt.date, current_rules: Any) -> str:
    if settled >= today.year:
        return "active"
    if current_rules is not None:
        return CREDENTIAL_STATUS[status_of(required=True, waived=False, paid=False, cec_complete=False,
                                           due_date=current_rules.due_date, grace_ends=current_rules.grace_ends,
                                           today=today)]
    # No rules for this year here: a year before it went unsettled, so its grace is over.
    return "lapsed" if settled < today.year - 1 else "active"
