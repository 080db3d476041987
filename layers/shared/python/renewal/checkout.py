"""Card payment starts here: a Stripe Checkout Session for the caller's open
invoice. The invoice is marked paid only by the verified webhook, never by the
browser coming back to the success page."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field

from renewal import clock, config, dues, invoices, keys
from renewal.adapters import store
from renewal.auth import Principal
from renewal.errors import Conflict, ValidationFailed
from renewal.model import Model


class CheckoutRequest(Model):
    model_config = ConfigDict(extra="forbid")

    success_url: str | None = Field(default=None, max_length=2000)
    cancel_url: str | None = Field(default=None, max_length=2000)


class CheckoutSession(Model):
    checkout_url: str
    session_id: str


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _return_url(given: str | None, default_path: str, field: str) -> str:
    origins = config.portal_origins()
    if given is None:
        if not origins:
            raise ValidationFailed(f"{field} is required: no portal origin is configured.", details=[{"field": field}])
        return f"{origins[0]}{default_path}"
    parts = urlsplit(given)
    # Only the portal's own origins: Checkout must never become an open redirect.
    if parts.scheme not in ("http", "https") or not parts.netloc or _origin(given) not in [o.lower() for o in origins]:
        raise ValidationFailed(
            f"{field} must be on the member portal ({', '.join(origins) or 'none configured'}).",
            details=[{"field": field, "allowed_origins": origins}],
        )
    return given


def start_checkout(principal: Principal, invoice_id: str, request: CheckoutRequest) -> CheckoutSession:
    member_id = principal.require_member()
    invoice = invoices.own_invoice_record(member_id, invoice_id)
    # What the invoice owes today, the reinstatement fee included once it is owed.
    owed = dues.owed(invoice, clock.today())
    due = owed.amount_due_cents
    if not dues.payable(invoice) or due <= 0:
        raise Conflict(f"Invoice {invoice_id} is {invoice['status']}: there is nothing to pay.", code="invoice_not_open")
    success_url = _return_url(request.success_url, f"/renewal/paid?invoice_id={invoice_id}", "success_url")
    cancel_url = _return_url(request.cancel_url, f"/renewal?invoice_id={invoice_id}", "cancel_url")
    profile = store.get(keys.member_key(member_id), consistent=False) or {}
    from renewal.adapters import stripe_gateway  # heavy: loaded only by the function that takes payments

    # The same invoice, amount and return addresses give the same session: a double
    # click or a retried request never opens a second payment.
    fingerprint = hashlib.sha256(f"{success_url}|{cancel_url}".encode()).hexdigest()[:16]
    url, session_id = stripe_gateway.create_checkout_session(
        invoice_id=invoice_id, member_id=member_id, renewal_year=int(invoice["renewal_year"]),
        currency=invoice["currency"], lines=_charged_lines(owed), email=(profile.get("contact") or {}).get("email"),
        success_url=success_url, cancel_url=cancel_url,
        # The version moves with every change of the invoice: paying again after a refund opens a new session.
        idempotency_key=f"checkout-{invoice_id}-{due}-{fingerprint}-v{invoice.get('version', 0)}",
    )
    return CheckoutSession(checkout_url=url, session_id=session_id)


def _charged_lines(owed: dues.Owed) -> list[dict]:
    """The session's line items: the invoice's lines that count, less what was
    paid already (a partly refunded invoice owes only the rest)."""
    lines = owed.payable_lines
    if owed.amount_paid_cents:
        return [{"code": "BALANCE", "description": "Balance due on " + ", ".join(l["description"] for l in lines),
                 "amount_cents": owed.amount_due_cents}]
    return lines
