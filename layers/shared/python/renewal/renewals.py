"""The renewal view of one member and year: status, payment, CEC progress."""

import datetime as dt
from typing import Any



from renewal import cec, clock, dues, invoicing, standing
from renewal.auth import Principal
from renewal.members import load_page
from renewal.model import Model
from renewal.rules import RuleSet, require_rule_set


class Window(Model):
    start: dt.date
    end: dt.date


class CecProgress(Model):
    required: float
    in_network_required: float
    waived: bool
    approved: float
    approved_in_network: float
    in_review: float
    outstanding: float
    outstanding_in_network: float
    window: Window


class Renewal(Model):
    renewal_year: int
    status: str
    paid: bool
    cec_complete: bool
    credentials: list[str]
    invoice_id: str | None
    amount_due_cents: int
    due_date: dt.date | None = None  # the year's dates, so a member sees when grace ends
    grace_ends: dt.date | None = None
    cec: CecProgress


def renewal_view(rule_set: RuleSet, profile: dict[str, Any], related: list[dict[str, Any]], today: dt.date) -> Renewal:
    year = rule_set.renewal_year
    invoice = standing.invoices(related).get(year)
    if invoice is not None:
        # Issued: the invoice's own terms and requirement are the ones that hold.
        year_standing = standing.invoice_standing(invoice, related, today)
        credentials = list(invoice["credentials"])
        owed = invoicing.requirement(invoicing.held_from_profile(profile), standing.waivers_in(related), rule_set,
                                     invoice)
        required, in_network_required, waived = owed.cec_required, owed.in_network_required, owed.waived
        tally, status, paid, done = year_standing.tally, year_standing.status, year_standing.paid, year_standing.cec_complete
        invoice_id, due = invoice["invoice_id"], dues.owed(invoice, today).amount_due_cents
    else:
        # Not invoiced yet: what the current rule set says the member will owe.
        assessment = invoicing.assess(
            invoicing.held_from_profile(profile), rule_set,
            emeritus=standing.emeritus_from(standing.waivers_in(related), year),
        )
        credentials = list(assessment.renewable)
        owed = invoicing.requirement(invoicing.held_from_profile(profile), standing.waivers_in(related), rule_set)
        required, in_network_required, waived = owed.cec_required, owed.in_network_required, owed.waived
        window = rule_set.earning_window
        tally = cec.tally(standing.activities(related), window.start, window.end, rule_set.participation_cap)
        done = cec.complete(tally, required, in_network_required, waived)
        paid = False
        status = standing.status_of(
            required=assessment.required, waived=standing.military_waived(standing.waivers_in(related), year), paid=paid,
            cec_complete=done, due_date=rule_set.due_date, grace_ends=rule_set.grace_ends, today=today,
        )
        invoice_id, due = None, 0
        if standing.settled_before(profile, year):
            # Settled in the previous system (the import's renewed_through): renewed, nothing owed here.
            status, paid, done = standing.RENEWED, True, True
    settled = invoice is None and standing.settled_before(profile, year)
    return Renewal(
        renewal_year=year,
        status=status,
        paid=paid,
        cec_complete=done,
        credentials=credentials,
        invoice_id=invoice_id,
        amount_due_cents=due,
        due_date=rule_set.due_date,
        grace_ends=rule_set.grace_ends,
        cec=CecProgress(
            required=required,
            in_network_required=in_network_required,
            waived=waived,
            approved=tally.approved,
            approved_in_network=tally.approved_in_network,
            in_review=tally.in_review,
            outstanding=0.0 if waived or settled else max(0.0, required - tally.approved),
            outstanding_in_network=0.0 if waived or settled else max(0.0, in_network_required - tally.approved_in_network),
            window=Window(start=rule_set.earning_window.start, end=rule_set.earning_window.end),
        ),
    )


def _renewal(member_id: str, renewal_year: int) -> Renewal:
    rule_set = require_rule_set(renewal_year)
    return renewal_view(rule_set, *load_page(member_id), clock.today())


def get_own_renewal(principal: Principal, renewal_year: int) -> Renewal:
    return _renewal(principal.require_member(), renewal_year)


def get_member_renewal(principal: Principal, member_id: str, renewal_year: int) -> Renewal:
    principal.require_staff()
    return _renewal(member_id, renewal_year)
