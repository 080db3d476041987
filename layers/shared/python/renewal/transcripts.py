"""The member's CEC record for a renewal year: every activity of its earning
window and the totals against the requirement, as PDF, CSV or JSON."""

import datetime as dt

from renewal import cec, clock, csvfiles, pdf, renewals, standing
from renewal.auth import Principal
from renewal.members import load_page
from renewal.model import Model
from renewal.rules import require_rule_set

COLUMNS = ["completed_on", "title", "provider", "type", "cec", "in_network", "status", "note"]


def _record(member_id: str, renewal_year: int):
    rule_set = require_rule_set(renewal_year)
    profile, related = load_page(member_id)
    window = rule_set.earning_window
    activities = sorted(
        (a for a in standing.activities(related) if window.holds(dt.date.fromisoformat(str(a["completed_on"])))),
        key=lambda a: (str(a["completed_on"]), a["activity_id"]),
    )
    view = renewals.renewal_view(rule_set, profile, related, clock.today())
    totals = [
        ("Required", f"{view.cec.required:g}"),
        ("Required in-network", f"{view.cec.in_network_required:g}"),
        ("Approved (countable)", f"{view.cec.approved:g}"),
        ("Approved in-network", f"{view.cec.approved_in_network:g}"),
        ("In review", f"{view.cec.in_review:g}"),
        ("Outstanding", f"{view.cec.outstanding:g}"),
        ("Outstanding in-network", f"{view.cec.outstanding_in_network:g}"),
        ("Waived", "yes" if view.cec.waived else "no"),
        ("Complete", "yes" if view.cec_complete else "no"),
    ]
    return profile, rule_set, activities, totals, view


class Transcript(Model):
    renewal_year: int
    required: float
    in_network_required: float
    approved: float
    approved_in_network: float
    in_review: float
    outstanding: float
    outstanding_in_network: float
    waived: bool
    complete: bool
    window: renewals.Window
    activities: list[cec.Activity]


def transcript(principal: Principal, renewal_year: int) -> Transcript:
    return _transcript(principal.require_member(), renewal_year)


def member_transcript(principal: Principal, member_id: str, renewal_year: int) -> Transcript:
    """The same record of any member, for staff (the member's page in the console)."""
    principal.require_staff()
    return _transcript(member_id, renewal_year)


def _transcript(member_id: str, renewal_year: int) -> Transcript:
    _, _, activities, _, view = _record(member_id, renewal_year)
    return Transcript(
        renewal_year=renewal_year, required=view.cec.required, in_network_required=view.cec.in_network_required,
        approved=view.cec.approved, approved_in_network=view.cec.approved_in_network, in_review=view.cec.in_review,
        outstanding=view.cec.outstanding, outstanding_in_network=view.cec.outstanding_in_network,
        waived=view.cec.waived, complete=view.cec_complete, window=view.cec.window,
        activities=[cec.activity_view(a) for a in activities],
    )


def transcript_csv(principal: Principal, renewal_year: int) -> str:
    _, _, activities, totals, _ = _record(principal.require_member(), renewal_year)
    rows = [[a["completed_on"], a["title"], a["provider"], a["type"], f"{float(a['cec']):g}",
             "yes" if cec.in_network(a.get("type")) else "no", a["status"], a.get("note") or ""] for a in activities]
    # Totals close the file as rows of their own, the label in the title column.
    rows += [["", label, "", "total", value, "", "", ""] for label, value in totals]
    return csvfiles.text(COLUMNS, rows)


def transcript_pdf(principal: Principal, renewal_year: int) -> bytes:
    member_id = principal.require_member()
    profile, rule_set, activities, totals, _ = _record(member_id, renewal_year)
    rows = [(str(a["completed_on"]), a["title"], a["provider"], f"{float(a['cec']):g}",
             "yes" if cec.in_network(a.get("type")) else "no", a["status"]) for a in activities]
    return pdf.transcript(
        name=f"{profile['first_name']} {profile['last_name']}", member_id=member_id, renewal_year=renewal_year,
        window=f"{rule_set.earning_window.start} to {rule_set.earning_window.end}", rows=rows, totals=totals,
    )
