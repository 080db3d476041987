"""Staff reports over a renewal year, read page by page from the year's
renewals index (GSI1 RENEWALS#{year}: one item per invoiced member), never
with a Scan."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from typing import Any



from renewal import clock, dues, keys, paging, standing
from renewal.adapters import store
from renewal.auth import Principal
from renewal.model import Model
from renewal.rules import require_rule_set

COLUMNS = ["member_id", "name", "status", "paid", "cec_complete", "amount_due_cents"]
STATUSES = ("open", "grace", "lapsed", "renewed", "waived", "not_required")


class RenewalRow(Model):
    member_id: str
    name: str
    status: str
    paid: bool
    cec_complete: bool
    amount_due_cents: int


class RenewalReport(Model):
    items: list[RenewalRow]
    next_token: str | None = None


class Summary(Model):
    renewal_year: int
    members_invoiced: int
    by_status: dict[str, int]
    dues_invoiced_cents: int
    dues_collected_cents: int
    dues_outstanding_cents: int
    cec_complete: int
    cec_completion_rate: float


def _row(invoice: dict[str, Any]) -> RenewalRow:
    # CEC completeness and waivers live in the member's own record: one Query a row.
    items = list(store.query_all(keys.member_pk(invoice["member_id"])))
    year_standing = standing.invoice_standing(invoice, items, clock.today())
    status, done = year_standing.status, year_standing.cec_complete
    return RenewalRow(member_id=invoice["member_id"], name=invoice.get("name", ""), status=status,
                      paid=invoice["status"] == "paid", cec_complete=done,
                      amount_due_cents=dues.owed(invoice, clock.today()).amount_due_cents)


def renewals_page(principal: Principal, renewal_year: int, status: str | None, limit: int,
                  next_token: str | None) -> RenewalReport:
    """One page of the year's renewals; with a status filter a page may hold fewer rows than `limit`."""
    principal.require_staff()
    require_rule_set(renewal_year)
    items, token = paging.page(keys.renewals_partition(renewal_year), index=keys.GSI1,
                               limit=limit, next_token=next_token)
    rows = [_row(i) for i in items]
    return RenewalReport(items=[r for r in rows if status is None or r.status == status],
                         next_token=token)


def _all_rows(renewal_year: int) -> Iterator[RenewalRow]:
    for invoice in store.query_all(keys.renewals_partition(renewal_year), index=keys.GSI1):
        yield _row(invoice)


def renewals_csv(principal: Principal, renewal_year: int, status: str | None) -> str:
    """Every matching row (all pages), one header line."""
    principal.require_staff()
    require_rule_set(renewal_year)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in _all_rows(renewal_year):
        if status is None or row.status == status:
            writer.writerow([row.member_id, row.name, row.status, str(row.paid).lower(),
                             str(row.cec_complete).lower(), row.amount_due_cents])
    return out.getvalue()


def summary(principal: Principal, renewal_year: int) -> Summary:
    principal.require_staff()
    require_rule_set(renewal_year)
    by_status: Counter[str] = Counter({s: 0 for s in STATUSES})
    invoiced = collected = outstanding = complete = members = 0
    for invoice in store.query_all(keys.renewals_partition(renewal_year), index=keys.GSI1):
        row = _row(invoice)
        members += 1
        by_status[row.status] += 1
        complete += row.cec_complete
        if invoice["status"] != "void":
            invoiced += dues.owed(invoice, clock.today()).total_cents
        collected += int(invoice.get("amount_paid_cents", 0))
        outstanding += row.amount_due_cents
    return Summary(renewal_year=renewal_year, members_invoiced=members, by_status=dict(by_status),
                   dues_invoiced_cents=invoiced, dues_collected_cents=collected, dues_outstanding_cents=outstanding,
                   cec_complete=complete, cec_completion_rate=round(complete / members, 4) if members else 0.0)
