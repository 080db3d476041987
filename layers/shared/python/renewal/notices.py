"""Renewal e-mails: which notice is due when, and what it says. Each notice is
sent at most once per member and year: the invoice records it (`notices`),
claimed with a conditional write, and the e-mail goes to the outbox
(renewal.emails) under an id of its own, so it is written once too."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools import Logger

from renewal import clock, dues, emails, keys
from renewal.adapters import store

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


def letter(first_name: str, body: str) -> str:
    """Every e-mail to a member: the greeting, the body, the signature."""
    return f"Dear {first_name},\n\n{body}\n\nThe credential renewal team"


def tell_member(member_id: str, subject: str, body: str) -> bool:
    """An e-mail that follows a committed change (a decision, a receipt), to the
    member's address on file when it is sent (renewal.emails). A failure to write
    it is logged, never raised: the change already happened."""
    try:
        return emails.write(emails.record(uuid.uuid4().hex, member_id, subject, body=body))
    except Exception:
        logger.exception("e-mail not written to the outbox", extra={"member_id": member_id, "subject": subject})
        return False


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


def email(kind: str, invoice: Mapping[str, Any], profile: Mapping[str, Any], *,
          today: dt.date | None = None) -> dict[str, Any]:
    """The outbox item of a notice: one per member, year and kind."""
    subject, text = compose(kind, invoice, profile.get("first_name", ""), today=today)
    return emails.record(keys.notice_email_id(int(invoice["renewal_year"]), invoice["member_id"], kind),
                         invoice["member_id"], subject, text=text, kind=kind)


def deliver(kind: str, invoice: Mapping[str, Any], profile: Mapping[str, Any], *,
            today: dt.date | None = None) -> bool:
    """Writes an already-claimed notice to the outbox (renewal.emails sends it);
    if it cannot be written, releases the claim so a later run tries again."""
    if not (profile.get("contact") or {}).get("email"):
        logger.warning("no e-mail address", extra={"member_id": invoice["member_id"], "notice": kind})
        return False
    try:
        emails.write(email(kind, invoice, profile, today=today))
        return True
    except Exception:
        logger.exception("notice not written to the outbox", extra={"member_id": invoice["member_id"],
                                                                    "notice": kind})
        release(invoice, kind)
        return False


def deliver_all(kind: str, issued: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> int:
    """Writes many claimed notices of one kind ((invoice, profile) pairs) to the
    outbox; a notice written before is not written again. Raises if the outbox
    cannot be written, so the caller's work is retried."""
    items = []
    for invoice, profile in issued:
        if (profile.get("contact") or {}).get("email"):
            items.append(email(kind, invoice, profile))
        else:
            logger.warning("no e-mail address", extra={"member_id": invoice["member_id"], "notice": kind})
    return emails.write_all(items)
