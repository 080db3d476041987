"""Staff reports over a renewal year, read from the renewal records (see
renewal.records): a page of renewals is one or two Queries of the record index
(one key range per shard) whatever the number of members, and the summary is
one read of the year's totals. Statuses that move with the date are derived
from the rule set's dates as the rows are read."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from renewal import clock, csvfiles, keys, paging, records, standing
from renewal.adapters import store
from renewal.auth import Principal
from renewal.errors import PayloadTooLarge, ValidationFailed
from renewal.model import Model
from renewal.rules import RuleSet, require_rule_set

COLUMNS = ["member_id", "name", "affiliate", "status", "paid", "cec_complete", "amount_due_cents"]
STATUSES = ("open", "grace", "lapsed", "renewed", "waived", "not_required")
# The synchronous CSV answers up to this many rows; beyond, staff start an export.
MAX_CSV_ROWS = 10_000
CLASS_ORDER = (records.INCOMPLETE, records.RENEWED, records.WAIVED, records.NOT_REQUIRED)


class RenewalRow(Model):
    member_id: str
    name: str
    affiliate: str | None = None
    status: str
    paid: bool
    cec_complete: bool
    amount_due_cents: int


class RenewalReport(Model):
    items: list[RenewalRow]
    next_token: str | None = None


class Summary(Model):
    renewal_year: int
    as_of: dt.date
    members_invoiced: int
    by_status: dict[str, int]
    dues_invoiced_cents: int
    dues_collected_cents: int
    dues_outstanding_cents: int
    cec_complete: int
    cec_completion_rate: float


def row(item: dict[str, Any], rule_set: RuleSet, today: dt.date) -> RenewalRow:
    record = item.get("record") or {}
    return RenewalRow(
        member_id=item["member_id"], name=item.get("name", ""), affiliate=item.get("affiliate"),
        status=records.status(record, rule_set.due_date, rule_set.grace_ends, today),
        paid=bool(record.get("paid")), cec_complete=bool(record.get("cec_complete")),
        amount_due_cents=records.amount_due(record, rule_set.grace_ends, today),
    )


def _classes(status: str | None, rule_set: RuleSet, today: dt.date) -> tuple[str, ...]:
    """The record classes a status reads from today: open, grace and lapsed are
    the incomplete records, each only in its stretch of the calendar."""
    if status is None:
        return CLASS_ORDER
    if records.STATUS_CLASS[status] != records.INCOMPLETE:
        return (records.STATUS_CLASS[status],)
    incomplete_today = standing.status_of(required=True, waived=False, paid=False, cec_complete=False,
                                          due_date=rule_set.due_date, grace_ends=rule_set.grace_ends, today=today)
    return (records.INCOMPLETE,) if incomplete_today == status else ()


def _segments(renewal_year: int, classes: tuple[str, ...], affiliate: str | None) -> list[tuple[str, str]]:
    """(index partition, sort-key prefix) of every key range to read, in order."""
    return [(keys.renewal_record_partition(renewal_year, shard), keys.renewal_record_prefix(cls, affiliate))
            for cls in classes for shard in range(keys.RENEWAL_SHARDS)]


def _page(renewal_year: int, classes: tuple[str, ...], affiliate: str | None, limit: int,
          next_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Up to `limit` records, walking the key ranges in turn from where the token
    left off; at most one Query per range, and the page stops once it is full."""
    segments = _segments(renewal_year, classes, affiliate)
    # A token is good for this year, these classes and this affiliate only (paging signs it for the list).
    list_name = f"renewals#{renewal_year}#{''.join(classes)}#{affiliate or ''}"
    cursor = paging.decode(next_token, list_name) or {}
    try:
        position = int(cursor.pop("segment", "0"))
    except ValueError:
        position = -1
    if not 0 <= position <= len(segments) or (cursor and cursor.get("GSI4PK") != segments[position][0]):
        raise ValidationFailed("next_token belongs to another list or query.", details=[{"field": "next_token"}])
    start = cursor or None
    found: list[dict[str, Any]] = []
    while position < len(segments) and len(found) < limit:
        partition, prefix = segments[position]
        items, last = store.query_partition(partition, index=keys.GSI4, sk_prefix=prefix, limit=limit - len(found),
                                            start_key=start)
        found += items
        if last:
            return found, paging.encode({**last, "segment": str(position)}, list_name)
        position, start = position + 1, None
    return found, (paging.encode({"segment": str(position)}, list_name) if position < len(segments) else None)


def renewals_page(principal: Principal, renewal_year: int, status: str | None, limit: int, next_token: str | None,
                  affiliate: str | None = None) -> RenewalReport:
    """One page of the year's renewals (institute staff), by status and affiliate."""
    principal.require_staff()
    return _report(renewal_year, status, affiliate, limit, next_token)


def affiliate_renewals_page(principal: Principal, renewal_year: int, status: str | None, limit: int,
                            next_token: str | None) -> RenewalReport:
    """The same, for an affiliate office: its own members only."""
    return _report(renewal_year, status, principal.require_affiliate(), limit, next_token)


def _report(renewal_year: int, status: str | None, affiliate: str | None, limit: int,
            next_token: str | None) -> RenewalReport:
    rule_set = require_rule_set(renewal_year)
    today = clock.today()
    items, token = _page(renewal_year, _classes(status, rule_set, today), affiliate, limit, next_token)
    return RenewalReport(items=[row(i, rule_set, today) for i in items], next_token=token)


def all_rows(rule_set: RuleSet, status: str | None, affiliate: str | None) -> Iterator[RenewalRow]:
    """Every matching row, page by page (exports and the synchronous CSV)."""
    today = clock.today()
    classes = _classes(status, rule_set, today)
    token: str | None = None
    while True:
        items, token = _page(rule_set.renewal_year, classes, affiliate, paging.MAX_LIMIT, token)
        for item in items:
            yield row(item, rule_set, today)
        if token is None:
            return


def csv_cells(r: RenewalRow) -> list[Any]:
    return [r.member_id, r.name, r.affiliate or "", r.status, str(r.paid).lower(), str(r.cec_complete).lower(),
            r.amount_due_cents]


def renewals_csv(principal: Principal, renewal_year: int, status: str | None, affiliate: str | None = None) -> str:
    """Every matching row, one header line, for results up to MAX_CSV_ROWS rows."""
    principal.require_staff()
    return _csv(renewal_year, status, affiliate)


def affiliate_renewals_csv(principal: Principal, renewal_year: int, status: str | None) -> str:
    """The same, for an affiliate office: its own members only (the list it chases members in grace from)."""
    return _csv(renewal_year, status, principal.require_affiliate())


def _csv(renewal_year: int, status: str | None, affiliate: str | None) -> str:
    rule_set = require_rule_set(renewal_year)
    rows: list[RenewalRow] = []
    for r in all_rows(rule_set, status, affiliate):
        rows.append(r)
        if len(rows) > MAX_CSV_ROWS:
            raise PayloadTooLarge(
                f"More than {MAX_CSV_ROWS:,} rows match: start an export (POST /admin/exports), which writes a "
                "CSV of any size and hands back a link.",
                code="export_required", details=[{"max_rows": MAX_CSV_ROWS}])
    rows.sort(key=lambda r: r.member_id)
    return csvfiles.text(COLUMNS, (csv_cells(r) for r in rows))


def summary(principal: Principal, renewal_year: int) -> Summary:
    """Counts by status and the year's money, exact as of now, from the totals
    the record writes keep (one BatchGetItem) and the rule set's dates."""
    principal.require_staff()
    rule_set = require_rule_set(renewal_year)
    today = clock.today()
    totals = records.read_totals(renewal_year)
    incomplete_status = standing.status_of(required=True, waived=False, paid=False, cec_complete=False,
                                           due_date=rule_set.due_date, grace_ends=rule_set.grace_ends, today=today)
    by_status = dict.fromkeys(STATUSES, 0)
    by_status[incomplete_status] = totals[f"count_{records.INCOMPLETE}"]
    by_status["renewed"] = totals[f"count_{records.RENEWED}"]
    by_status["waived"] = totals[f"count_{records.WAIVED}"]
    by_status["not_required"] = totals[f"count_{records.NOT_REQUIRED}"]
    fee_owed = today > rule_set.grace_ends
    members = totals["members"]
    return Summary(
        renewal_year=renewal_year, as_of=today, members_invoiced=members, by_status=by_status,
        dues_invoiced_cents=totals["invoiced_cents"] + (totals["fee_pending_cents"] if fee_owed else 0),
        dues_collected_cents=totals["collected_cents"],
        dues_outstanding_cents=totals["due_cents"] + (totals["due_fee_cents"] if fee_owed else 0),
        cec_complete=totals["cec_complete"],
        cec_completion_rate=round(totals["cec_complete"] / members, 4) if members else 0.0,
    )
