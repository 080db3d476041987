"""An invoice follows the member. When staff change a member's credentials or
grant or revoke an emeritus waiver after the invoice run, the year's invoice is
brought back in line with the rule set applied to the member's record, in the
same transaction as the change:

- a renewable credential added adds its fee line (a paid invoice reopens for
  the difference);
- one removed voids its line (kept on the invoice, with the reason); an amount
  paid beyond the new total is flagged for a refund, never kept silently;
- an emeritus grant re-prices the lines it covers with the emeritus fee (the
  old line voided, the new one added), and a revocation re-prices them back;
- the CEC requirement is recomputed from the credentials held.

Only the renewal years still being renewed follow (the current calendar year
and later): a closed year keeps the invoice it was settled on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from renewal import dues, invoicing, standing
from renewal.rules import RuleSet


def follows(invoice: Mapping[str, Any], today: dt.date) -> bool:
    """Whether this invoice follows the member's record today."""
    return int(invoice["renewal_year"]) >= today.year and not invoice.get("voided_by_waiver")


def follow(invoice: Mapping[str, Any], held: Iterable[invoicing.Held], waivers: Iterable[Mapping[str, Any]],
           rule_set: RuleSet, today: dt.date) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the invoice as the member's record makes it, what changed). Pure; applying
    it twice changes nothing the second time."""
    year = int(invoice["renewal_year"])
    waivers = list(waivers)
    assessment = invoicing.assess(held, rule_set, emeritus=standing.emeritus_from(waivers, year))
    wanted = {line.code: line.model_dump() for line in assessment.lines}
    lines: list[dict[str, Any]] = []
    added, voided, repriced = [], [], []
    kept: set[str] = set()
    for line in invoice["lines"]:
        line = dict(line)
        if line["code"] == dues.REINSTATEMENT or line.get("void"):
            lines.append(line)
            continue
        target = wanted.get(line["code"])
        if target is None:
            lines.append({**line, "void": True, "void_reason": f"{line['code']} no longer held ({today.isoformat()})"})
            voided.append(line["code"])
        elif int(target["amount_cents"]) != int(line["amount_cents"]):
            reason = "emeritus fee" if standing.emeritus_from(waivers, year) else "regular fee"
            lines.append({**line, "void": True, "void_reason": f"re-priced at the {reason} ({today.isoformat()})"})
            lines.append(target)
            repriced.append(line["code"])
            kept.add(line["code"])
        else:
            lines.append(line)
            kept.add(line["code"])
    for code, target in wanted.items():
        if code not in kept:
            lines.append(target)
            added.append(code)
    after = {**invoice, "lines": lines, "total_cents": dues.stored_total(lines),
             "credentials": list(assessment.renewable), "cec_required": assessment.cec_required,
             "in_network_required": assessment.in_network_required, "cec_waived": assessment.cec_waived}
    after.update(_status_after(invoice, after, today))
    changes: dict[str, Any] = {}
    for name, values in (("added", added), ("voided", voided), ("repriced", repriced)):
        if values:
            changes[name] = values
    for name in ("cec_required", "in_network_required", "status"):
        if after.get(name) != invoice.get(name):
            changes[name] = {"from": invoice.get(name), "to": after.get(name)}
    over = overpaid(after)
    if over:
        changes["overpaid_cents"] = over
    return after, changes


def _status_after(before: Mapping[str, Any], after: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    """A paid invoice that now owes more reopens for the difference; one whose
    payment covers the new total (a line voided) stays or becomes paid."""
    paid = int(after.get("amount_paid_cents", 0))
    total = dues.stored_total(after["lines"])
    status = before["status"]
    if status == dues.PAID and paid < total:
        return {"status": dues.OPEN, "paid_at": None, "settled_on": None}
    if dues.payable(before) and paid > 0 and paid >= total:
        return {"status": dues.PAID, "paid_at": before.get("paid_at") or today.isoformat(),
                "settled_on": before.get("settled_on") or today.isoformat()}
    return {}


def overpaid(invoice: Mapping[str, Any]) -> int:
    """What was paid beyond the invoice's total (a line voided after payment)."""
    if invoice["status"] not in (dues.PAID, dues.OPEN):
        return 0
    return max(0, int(invoice.get("amount_paid_cents", 0)) - dues.stored_total(invoice["lines"]))


def apply(principal: Any, profile: Mapping[str, Any], items: list[Mapping[str, Any]], today: dt.date
          ) -> tuple[list[Mapping[str, Any]], list[dict[str, Any]], list[tuple[dict[str, Any], dict[str, Any]]]]:
    """Brings every following invoice of the member in `items` (their page of
    data as it will be after the change, `profile` included) in line with it.
    Returns (the items with the invoices changed, the audit and refund-flag
    writes to add to the change's transaction, (invoice, changes) to tell the
    member once it committed). The invoice writes themselves, with their
    renewal records, come from records.follow_ops on the returned items."""
    from renewal import audit, keys, records
    from renewal.rules import load_rule_set

    held = invoicing.held_from_profile(profile)
    waivers = standing.waivers_in(items)
    changed_items, operations, told = list(items), [], []
    for year, invoice in sorted(standing.invoices(items).items()):
        if not follows(invoice, today) or invoice["status"] == dues.VOID:
            continue
        rule_set = load_rule_set(year)
        if rule_set is None:
            continue
        after, changes = follow(invoice, held, waivers, rule_set, today)
        if not changes or changes.keys() <= {"overpaid_cents"} and "overpaid_cents" in changes \
                and overpaid(invoice) == changes["overpaid_cents"]:
            continue  # nothing new (an overpayment already known stays flagged as it was)
        changed_items = records.replaced(changed_items, after)
        operations.append(audit.entry_op(principal, history_pk=keys.member_history_pk(invoice["member_id"]),
                                         action="invoice.follow",
                                         changes={"invoice_id": {"from": None, "to": invoice["invoice_id"]},
                                                  **{k: (v if isinstance(v, dict) else {"from": None, "to": v})
                                                     for k, v in changes.items()}}))
        if changes.get("overpaid_cents"):
            operations.append(_refund_flag_op(after, changes["overpaid_cents"]))
        told.append((after, changes))
    return changed_items, operations, told


def _refund_flag_op(invoice: Mapping[str, Any], amount_cents: int) -> dict[str, Any]:
    """A payment record that asks a person to refund what the invoice no longer owes."""
    from renewal import clock, keys, payments
    from renewal.adapters import store

    incoming = payments.Incoming(payment_id=f"REFUND-DUE-{invoice['invoice_id']}-v{invoice.get('version', 0)}",
                                 invoice_id=invoice["invoice_id"], method="refund_due", amount_cents=amount_cents,
                                 currency=invoice["currency"], received_at=clock.now_iso())
    record = payments._payment_record(incoming, invoice, payments.NEEDS_ATTENTION, "overpaid")
    return store.put_op(record, condition="attribute_not_exists(PK)")
