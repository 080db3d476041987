"""The renewal record: the date-independent facts of one member's renewal year,
kept on the year's invoice item (`record`) and on an index keyed by year, so
that staff reports read them instead of deriving every member's status.

Facts: paid, CECs approved / in review, CECs complete, waived, required, and
the money without and with the reinstatement fee. They change only with a
write (a payment, a CEC decision, a waiver...), and every such write keeps
them current in its own transaction (`invoices.save_ops`, `follow_ops`).
Statuses that change with the date alone (open, grace, lapsed) are derived
when read from these facts and the year's dates, so nothing is rewritten at
midnight.

The index (GSI4): partition `RENEWALS#{year}#{shard}` (two shards, so the
invoice run's burst of writes is spread over two partitions), sort key
`{class}#{affiliate}#{member_id}` where the class is I (incomplete: open,
grace or lapsed as the date says), R (renewed), W (waived), N (not required).
Each status is one key range per shard, with or without an affiliate.

The year's totals (counts by class, money) are kept in `TOTAL_SHARDS` small
items updated by the same transactions, so the summary reads them with one
BatchGetItem whatever the number of members.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from renewal import cec, dues, invoicing, keys, standing
from renewal.adapters import store

INCOMPLETE, RENEWED, WAIVED, NOT_REQUIRED = "I", "R", "W", "N"
# Which class a status reads from (open, grace and lapsed are the incomplete ones, as the date says).
STATUS_CLASS = {standing.OPEN: INCOMPLETE, standing.GRACE: INCOMPLETE, standing.LAPSED: INCOMPLETE,
                standing.RENEWED: RENEWED, standing.WAIVED: WAIVED, standing.NOT_REQUIRED: NOT_REQUIRED}
MONEY = ("invoiced_cents", "fee_pending_cents", "collected_cents", "due_cents", "due_fee_cents")
TOTALS = ("members", "cec_complete", *(f"count_{c}" for c in (INCOMPLETE, RENEWED, WAIVED, NOT_REQUIRED)), *MONEY)


def cec_facts(invoice: Mapping[str, Any], items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """CEC progress and waivers for the invoice's year, from the member's items."""
    items = list(items)
    terms = invoice["terms"]
    year = int(invoice["renewal_year"])
    counted = cec.tally(standing.activities(items), dt.date.fromisoformat(terms["earning_window"]["start"]),
                        dt.date.fromisoformat(terms["earning_window"]["end"]), float(terms["participation_cap"]))
    waivers = standing.waivers_in(items)
    owed = invoicing.requirement((), waivers, None, invoice)
    return {
        "waived": standing.military_waived(waivers, year),
        "cec_waived": owed.waived,
        "cec_approved": counted.approved,
        "cec_approved_in_network": counted.approved_in_network,
        "cec_in_review": counted.in_review,
        "cec_complete": cec.complete(counted, owed.cec_required, owed.in_network_required, owed.waived),
    }


def money_facts(invoice: Mapping[str, Any]) -> dict[str, Any]:
    """What the invoice bills, collected and still owes, without and with the
    reinstatement fee (which an unpaid invoice owes from the day after grace)."""
    net = int(invoice.get("amount_paid_cents", 0))
    if dues.payable(invoice):
        fixed = dues.base_total(invoice["lines"])
        fee = 0 if invoice.get("fee_waived") else dues.fee_cents(invoice)
        due = max(0, fixed - net)
        due_fee = max(0, fixed + fee - net) - due
    else:
        fixed = 0 if invoice["status"] == dues.VOID else dues.stored_total(invoice["lines"])
        fee = due = due_fee = 0
    return {"paid": invoice["status"] == dues.PAID, "invoiced_cents": fixed, "fee_pending_cents": fee,
            "collected_cents": net, "due_cents": due, "due_fee_cents": due_fee}


def facts(invoice: Mapping[str, Any], items: Iterable[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The record of an invoice: CEC facts from the member's items when given
    (else those already on the invoice: a payment changes no CEC), money facts
    from the invoice itself."""
    if items is not None:
        cec_part = cec_facts(invoice, items)
    else:
        kept = invoice.get("record") or {}
        cec_part = {name: kept[name] for name in ("waived", "cec_waived", "cec_approved", "cec_approved_in_network",
                                                  "cec_in_review", "cec_complete") if name in kept}
    required = any(line["code"] != dues.REINSTATEMENT and not line.get("void") for line in invoice["lines"])
    return {"required": required, **cec_part, **money_facts(invoice)}


def record_class(record: Mapping[str, Any]) -> str:
    if record.get("waived"):
        return WAIVED
    if not record.get("required"):
        return NOT_REQUIRED
    return RENEWED if record.get("paid") and record.get("cec_complete") else INCOMPLETE


def with_record(invoice: Mapping[str, Any], items: Iterable[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The invoice with its record and index keys brought up to date."""
    record = facts(invoice, items)
    return {**invoice, "record": record,
            **keys.renewal_record_index(int(invoice["renewal_year"]), record_class(record), invoice.get("affiliate"),
                                        invoice["member_id"])}


def status(record: Mapping[str, Any], due_date: dt.date, grace_ends: dt.date, today: dt.date) -> str:
    return standing.status_of(required=bool(record.get("required")), waived=bool(record.get("waived")),
                              paid=bool(record.get("paid")), cec_complete=bool(record.get("cec_complete")),
                              due_date=due_date, grace_ends=grace_ends, today=today)


def amount_due(record: Mapping[str, Any], grace_ends: dt.date, today: dt.date) -> int:
    return int(record.get("due_cents", 0)) + (int(record.get("due_fee_cents", 0)) if today > grace_ends else 0)


# ---------------------------------------------------------------- the year's totals


def contribution(invoice: Mapping[str, Any] | None) -> Counter[str]:
    """What one record adds to its year's totals (nothing for an invoice without a record)."""
    record = (invoice or {}).get("record")
    if not record:
        return Counter()
    counts = Counter({"members": 1, f"count_{record_class(record)}": 1, "cec_complete": int(bool(
        record.get("cec_complete")))})
    counts.update({name: int(record.get(name, 0)) for name in MONEY})
    return counts


def totals_op(renewal_year: int, delta: Mapping[str, int], shard: int | None = None) -> dict[str, Any] | None:
    """Adds `delta` to one shard of the year's totals (any shard: they are summed
    when read), or None when nothing changes."""
    changes = {name: value for name, value in delta.items() if value}
    if not changes:
        return None
    shard = random.randrange(keys.RENEWAL_TOTAL_SHARDS) if shard is None else shard
    names = {f"#t{n}": name for n, name in enumerate(changes)}
    values = {f":t{n}": value for n, value in enumerate(changes.values())}
    return store.update_op(keys.renewal_totals_key(renewal_year, shard),
                           "ADD " + ", ".join(f"#t{n} :t{n}" for n in range(len(changes))),
                           names=names, values=values)


def delta(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> Counter[str]:
    change = Counter(contribution(after))
    change.subtract(contribution(before))
    return change


def read_totals(renewal_year: int) -> Counter[str]:
    """The year's totals: every shard in one BatchGetItem."""
    found: Counter[str] = Counter(dict.fromkeys(TOTALS, 0))
    for item in store.batch_get([keys.renewal_totals_key(renewal_year, n) for n in range(keys.RENEWAL_TOTAL_SHARDS)]):
        found.update({name: int(item.get(name, 0)) for name in TOTALS})
    return found


# ---------------------------------------------------------------- following the member's record


def lock_op(profile: Mapping[str, Any]) -> dict[str, Any]:
    """Moves the member's `facts_version` on, if it is as read. Every write that
    changes what a record is computed from (CEC activities, waivers) and every
    record created takes this lock, so a record is never created from a read
    that a CEC decision made at the same moment has already changed."""
    condition, values = lock_condition(profile)
    return store.update_op(keys.member_key(profile["member_id"]), "SET facts_version = :next_facts",
                           condition=condition, values={**values, ":next_facts": lock_next(profile)})


def lock_condition(profile: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    seen = profile.get("facts_version")
    if seen is None:
        return "attribute_not_exists(facts_version)", {}
    return "facts_version = :seen_facts", {":seen_facts": seen}


def lock_next(profile: Mapping[str, Any]) -> int:
    return int(profile.get("facts_version") or 0) + 1


def follow_ops(profile: Mapping[str, Any], before: list[Mapping[str, Any]], after: list[Mapping[str, Any]], *,
               lock: bool = True) -> list[dict[str, Any]]:
    """The writes that keep every renewal record of a member current after a
    change to their CEC activities, waivers or invoices: `before` is the
    member's page of data as read, `after` as it will be once the change is
    written (an invoice changed by the caller is written here too, once). With
    `lock` False the caller moves `facts_version` on in its own profile update."""
    from renewal import invoices  # invoices builds on this module

    operations = [lock_op(profile)] if lock else []
    prior = standing.invoices(before)
    for year, invoice in standing.invoices(after).items():
        updated = with_record(invoice, after)
        if year not in prior:
            operations += invoices.create_ops(dict(invoice), list(after))
        elif updated != prior[year]:
            operations += invoices.save_ops(dict(prior[year]), updated)
    return operations


def replaced(items: list[Mapping[str, Any]], *changed: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The member's items with `changed` ones put in place (same key) or added."""
    by_key = {(i.get("PK"), i.get("SK")): i for i in items}
    for item in changed:
        by_key[(item.get("PK"), item.get("SK"))] = item
    return list(by_key.values())
