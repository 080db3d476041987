"""Renewal e-mails: which notice is due when, and what it says. Each notice is
sent at most once per member and year: the invoice records it (`notices`),
claimed with a conditional write before the e-mail goes out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger

from renewal import clock, dues, keys
from renewal.adapters import notify, store

logger = Logger()

INVOICE_ISSUED = "invoice_issued"
DUE_SOON = "due_soon"
GRACE_STARTED = "grace_started"
LAPSED = "lapsed"


def stage_notice(today: dt.date, due_date: dt.date, grace_ends: dt.date, days_before_due: int) -> str | None:
    """The notice of the stage the renewal is in today, if any."""
    if today > grace_ends:
        return LAPSED
    if today > due_date:
        return GRACE_STARTED
    if today >= due_date - dt.timedelta(days=days_before_due):
        return DUE_SOON
    return None


def money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def money_owed(invoice: Mapping[str, Any], today: dt.date) -> str | None:
    """What the member still owes in money, the reinstatement fee named only when owed; None when nothing."""
    owed = dues.owed(invoice, today)
    if owed.amount_due_cents <= 0:
        return None
    fee = f", including the {money(dues.fee_cents(invoice))} reinstatement fee" if owed.fee_owed else ""
    return f"Amount due: {money(owed.amount_due_cents)}{fee}."


def cecs_owed(invoice: Mapping[str, Any]) -> str | None:
    """The CECs still outstanding (in-network included) from the invoice's renewal
    record; None when they are complete or waived."""
    record = invoice.get("record") or {}
    if record.get("cec_complete") or record.get("cec_waived") or invoice.get("cec_waived"):
        return None
    missing = max(0.0, float(invoice["cec_required"]) - float(record.get("cec_approved", 0)))
    missing_in_network = max(0.0, float(invoice["in_network_required"]) - float(record.get("cec_approved_in_network", 0)))
    if not missing and not missing_in_network:
        return None
    parts = []
    if missing:
        parts.append(plural(missing, "CEC"))
    if missing_in_network:
        parts.append(f"{plural(missing_in_network, 'in-network CEC')}" if not missing
                     else f"{missing_in_network:g} of them in-network")
    return "CECs still needed: " + ", ".join(parts) + "."


def requirement(invoice: Mapping[str, Any]) -> str:
    return (f"{plural(float(invoice['cec_required']), 'CEC')} "
            f"({float(invoice['in_network_required']):g} in-network)")


def compose(kind: str, invoice: Mapping[str, Any], first_name: str, *, today: dt.date | None = None
            ) -> tuple[str, str]:
    """A renewal notice, from the member's state on `today`: it asks for the money
    still owed (the reinstatement fee only when owed) and the CECs still missing,
    and for nothing already done. Pure."""
    today = today or clock.today()
    year = invoice["renewal_year"]
    credentials = ", ".join(invoice.get("credentials", []))
    grace_ends = invoice["terms"]["grace_ends"]
    owed_money, owed_cecs = money_owed(invoice, today), cecs_owed(invoice)
    still = [text for text in (owed_money, owed_cecs) if text]
    if owed_money is None and invoice.get("status") == dues.PAID:
        still.append("Your payment is received: no payment is due.")
    subjects = {
        INVOICE_ISSUED: f"Your {year} credential renewal invoice",
        DUE_SOON: f"Your {year} credential renewal is due {invoice['due_date']}",
        GRACE_STARTED: f"Your {year} credential renewal is past due",
        LAPSED: f"Your {year} credentials have lapsed",
    }
    if kind == INVOICE_ISSUED:
        total = dues.owed(invoice, today).total_cents
        body = (f"Your renewal invoice {invoice['invoice_id']} for {credentials} is ready: {money(total)}, due "
                f"{invoice['due_date']}. This renewal requires {requirement(invoice)}.")
        body += "" if owed_cecs or invoice.get("cec_waived") or not float(invoice["cec_required"]) else \
            " Your CECs for it are complete."
    elif kind == DUE_SOON:
        body = f"Your renewal for {credentials} is due {invoice['due_date']}."
    elif kind == GRACE_STARTED:
        body = (f"Your renewal for {credentials} was due {invoice['due_date']}. Complete it by {grace_ends} "
                "to keep your credentials in good standing.")
    else:
        body = f"Your renewal for {credentials} was not completed by {grace_ends} and has lapsed."
    if kind != INVOICE_ISSUED and still:
        body += "\n\n" + "\n".join(still)
    return subjects[kind], letter(first_name, body)


def invoice_changed(invoice: Mapping[str, Any], changes: Mapping[str, Any], today: dt.date) -> tuple[str, str]:
    """What changed on the member's invoice after staff changed their record, and what is owed now."""
    year = invoice["renewal_year"]
    lines = [f"Your {year} renewal invoice {invoice['invoice_id']} changed:"]
    fees = {line["code"]: line["amount_cents"] for line in invoice["lines"] if not line.get("void")}
    for code in changes.get("added", []):
        lines.append(f"- Added: {code} ({money(int(fees.get(code, 0)))})")
    for code in changes.get("voided", []):
        lines.append(f"- Removed: {code}, no longer held")
    for code in changes.get("repriced", []):
        lines.append(f"- Re-priced: {code}, now {money(int(fees.get(code, 0)))}")
    if "cec_required" in changes or "in_network_required" in changes:
        lines.append(f"- CEC requirement: now {requirement(invoice)}")
    owed = money_owed(invoice, today)
    if owed:
        lines.append(owed)
    elif changes.get("overpaid_cents"):
        lines.append(f"You paid {money(int(changes['overpaid_cents']))} more than the invoice now owes: "
                     "we will refund it.")
    else:
        lines.append("No payment is due.")
    return f"Your {year} renewal invoice changed", "\n".join(lines)


def receipt(invoice: Mapping[str, Any], amount_cents: int) -> tuple[str, str]:
    return (f"Receipt: your {invoice['renewal_year']} credential renewal",
            f"We received {money(amount_cents)} for invoice {invoice['invoice_id']}. Thank you.")


def submission_decided(submission: Mapping[str, Any]) -> tuple[str, str]:
    """The reviewer's (or the automatic checks') decision on a CEC submission, activity by activity."""
    status = submission["status"].replace("_", " ")
    lines = [f"- {a['title']} ({a['completed_on']}, {plural(float(a['cec']), 'CEC')}): {a['status'].replace('_', ' ')}"
             + (f" ({a['note']})" if a.get("note") else "") for a in submission["activities"]]
    note = f"Note: {submission['note']}\n" if submission.get("note") else ""
    return (f"Your CEC submission was {status}",
            f"Your CEC submission {submission['submission_id']} for {submission['renewal_year']} was {status}.\n"
            + note + "\n".join(lines))


def article(word: str) -> str:
    """"a" or "an" before a word: an emeritus waiver, a military deployment waiver."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def plural(count: float, singular: str, plural_form: str | None = None) -> str:
    """"1 CEC", "1.5 CECs", "8 CECs": the number as the rules write it, the noun agreeing."""
    return f"{count:g} {singular if count == 1 else (plural_form or singular + 's')}"


def waiver_request_decided(waiver_type: str, renewal_year: int, status: str, note: str | None) -> tuple[str, str]:
    label = waiver_type.replace("_", " ")
    body = f"Your request for {article(label)} {label} waiver for {renewal_year} was {status}."
    if note:
        body += f"\nNote: {note}"
    return f"Your {label} waiver request was {status}", body


def letter(first_name: str, body: str) -> str:
    """Every e-mail to a member: the greeting, the body, the signature."""
    return f"Dear {first_name},\n\n{body}\n\nThe credential renewal team"


def tell_member(member_id: str, subject: str, body: str) -> bool:
    """An e-mail that follows a committed change (a decision, a receipt): sent to
    the member's address on file; a failure is logged, never raised."""
    try:
        profile = store.get(keys.member_key(member_id), consistent=False) or {}
    except Exception:
        logger.exception("e-mail not sent: profile unreadable", extra={"member_id": member_id, "subject": subject})
        return False
    return notify.send_after_commit((profile.get("contact") or {}).get("email"), subject,
                                    letter(profile.get("first_name", ""), body))


def claim(invoice: Mapping[str, Any], kind: str) -> bool:
    """Records that `kind` is being sent; False when it was sent before."""
    try:
        store.update(
            keys.invoice_key(int(invoice["renewal_year"]), invoice["member_id"]),
            "ADD notices :kind",
            condition="attribute_exists(PK) AND NOT contains(notices, :one)",
            values={":kind": {kind}, ":one": kind},
        )
        return True
    except store.ConditionFailed:
        return False


def release(invoice: Mapping[str, Any], kind: str) -> None:
    """Forgets a claim whose e-mail could not be sent, so a later run sends it."""
    store.update(
        keys.invoice_key(int(invoice["renewal_year"]), invoice["member_id"]),
        "DELETE notices :kind",
        values={":kind": {kind}},
    )


def deliver(kind: str, invoice: Mapping[str, Any], profile: Mapping[str, Any], *,
            today: dt.date | None = None) -> bool:
    """Sends an already-claimed notice; on failure releases the claim."""
    email = (profile.get("contact") or {}).get("email")
    if not email:
        logger.warning("no e-mail address", extra={"member_id": invoice["member_id"], "notice": kind})
        return False
    subject, text = compose(kind, invoice, profile.get("first_name", ""), today=today)
    try:
        notify.send(email, subject, text)
        return True
    except Exception:
        logger.exception("notice not sent", extra={"member_id": invoice["member_id"], "notice": kind})
        release(invoice, kind)
        return False
