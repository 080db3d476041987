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


def compose(kind: str, invoice: Mapping[str, Any], first_name: str, *, today: dt.date | None = None
            ) -> tuple[str, str]:
    year = invoice["renewal_year"]
    due = dues.owed(invoice, today or clock.today()).amount_due_cents
    money = f"${due / 100:,.2f}"
    credentials = ", ".join(invoice.get("credentials", []))
    cec = f"{float(invoice['cec_required']):g} CECs ({float(invoice['in_network_required']):g} in-network)"
    grace_ends = invoice["terms"]["grace_ends"]
    subjects = {
        INVOICE_ISSUED: f"Your {year} credential renewal invoice",
        DUE_SOON: f"Your {year} credential renewal is due {invoice['due_date']}",
        GRACE_STARTED: f"Your {year} credential renewal is past due",
        LAPSED: f"Your {year} credentials have lapsed",
    }
    bodies = {
        INVOICE_ISSUED: f"Your renewal invoice {invoice['invoice_id']} for {credentials} is ready: {money}, due "
                        f"{invoice['due_date']}. This renewal requires {cec}.",
        DUE_SOON: f"Your renewal for {credentials} is due {invoice['due_date']}. Amount due: {money}. "
                  f"Required: {cec}.",
        GRACE_STARTED: f"Your renewal for {credentials} was due {invoice['due_date']}. Renew by {grace_ends} "
                       f"to keep your credentials in good standing. Amount due: {money}.",
        LAPSED: f"Your renewal for {credentials} was not completed by {grace_ends} and has lapsed. "
                f"A reinstatement fee applies; amount due: {money}.",
    }
    return subjects[kind], letter(first_name, bodies[kind])


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
