"""The daily deadline run: reinstatement fees and reminder e-mails.

Statuses are derived from dates whenever they are read, so nothing here moves
a renewal from one status to another. The run adds what the calendar makes
owing (one reinstatement line per open invoice once its grace period has
ended) and sends each reminder once; repeating the run changes nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any



from renewal import clock, dues, keys, notices, standing
from renewal.adapters import store
from renewal.auth import Principal
from renewal.model import Model
from renewal.rules import RuleSet


class DeadlineReport(Model):
    as_of: dt.date
    lapsed: int
    reinstatement_fees_added: int
    reminders_sent: int


def run_deadlines_as_staff(principal: Principal) -> DeadlineReport:
    principal.require_staff()
    return run_deadlines()


def run_deadlines() -> DeadlineReport:
    today = clock.today()
    lapsed = fees = reminders = 0
    for record in store.query_all(keys.RULE_SETS_PARTITION, index=keys.GSI1):
        rule_set = RuleSet.from_record(record)
        for invoice in store.query_all(keys.renewals_partition(rule_set.renewal_year), index=keys.GSI1):
            outcome = _apply(invoice, today)
            lapsed += outcome["lapsed"]
            fees += outcome["fee"]
            reminders += outcome["reminders"]
    return DeadlineReport(as_of=today, lapsed=lapsed, reinstatement_fees_added=fees, reminders_sent=reminders)


def _incomplete(invoice: Mapping[str, Any], today: dt.date) -> bool:
    """Still owes something: payment, or (paid) CECs. Completeness is derived from
    the member's record; once found complete it is remembered on the invoice
    (`renewed_on`), since approved CECs and a payment stay, so later runs skip it."""
    if dues.payable(invoice):
        return True
    if invoice["status"] != "paid" or invoice.get("renewed_on"):
        return False
    items = list(store.query_all(keys.member_pk(invoice["member_id"])))
    if standing.invoice_standing(invoice, items, today).status not in (standing.RENEWED, standing.WAIVED):
        return True
    try:
        store.update(keys.invoice_key(int(invoice["renewal_year"]), invoice["member_id"]), "SET renewed_on = :today",
                     condition="#status = :paid", names={"#status": "status"},
                     values={":today": today.isoformat(), ":paid": "paid"})
    except store.ConditionFailed:
        pass  # refunded or disputed meanwhile: the next run looks again
    return False


def _apply(invoice: dict[str, Any], today: dt.date) -> dict[str, int]:
    outcome = {"lapsed": 0, "fee": 0, "reminders": 0}
    if not _incomplete(invoice, today):
        return outcome
    terms = invoice["terms"]
    due_date = dt.date.fromisoformat(invoice["due_date"])
    grace_ends = dt.date.fromisoformat(terms["grace_ends"])
    if today > grace_ends:
        outcome["lapsed"] = 1
        if dues.fee_owed(invoice, today) and dues.payable(invoice) and _add_reinstatement(invoice, today):
            outcome["fee"] = 1
            invoice = store.get(keys.invoice_key(int(invoice["renewal_year"]), invoice["member_id"])) or invoice
    due = []
    if dues.payable(invoice):
        due.append(notices.INVOICE_ISSUED)
    stage = notices.stage_notice(today, due_date, grace_ends, int(terms["reminder_days_before_due"]))
    if stage:
        due.append(stage)
    wanted = [kind for kind in due if kind not in invoice.get("notices", set())]
    if not wanted:
        return outcome
    profile = store.get(keys.member_key(invoice["member_id"]))
    for kind in wanted:
        if profile and notices.claim(invoice, kind) and notices.deliver(kind, invoice, profile):
            outcome["reminders"] += 1
    return outcome


def _add_reinstatement(invoice: Mapping[str, Any], today: dt.date) -> bool:
    """Writes the fee line for good, once, whatever the number of runs. (The fee
    is owed from the day after the grace end whether or not this line exists.)"""
    year = int(invoice["renewal_year"])
    try:
        store.update(
            keys.invoice_key(year, invoice["member_id"]),
            "SET #lines = list_append(#lines, :line), total_cents = total_cents + :fee, reinstated_on = :today, "
            "version = if_not_exists(version, :zero) + :one",
            condition="#status IN (:open, :refunded) AND attribute_not_exists(reinstated_on) "
                      "AND attribute_not_exists(fee_waived)",
            names={"#lines": "lines", "#status": "status"},
            values={":line": [dues.fee_line(invoice)], ":fee": dues.fee_cents(invoice), ":today": today.isoformat(),
                    ":open": dues.OPEN, ":refunded": dues.REFUNDED, ":zero": 0, ":one": 1},
        )
        return True
    except store.ConditionFailed:
        return False
