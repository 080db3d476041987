"""Card payment starts here: a Stripe Checkout Session for the caller's open
invoice. The invoice is marked paid only by the verified webhook, never by the
browser coming back to the success page.

An invoice has at most one session that can be paid: the invoice records it
(`checkout`), and opening another expires it through Stripe first, so two
sessions of one invoice can never both be paid."""

import hashlib
import json
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
    try:
        parts = urlsplit(given)
        origin = _origin(given)
    except ValueError:  # "http://[" and hosts that change under NFKC normalisation ("＃") are no URL at all
        parts, origin = None, None
    # Only the portal's own origins: Checkout must never become an open redirect.
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc \
            or origin not in [o.lower() for o in origins]:
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
    email = (profile.get("contact") or {}).get("email")
    from renewal.adapters import stripe_gateway  # heavy: loaded only by the function that takes payments

    lines = _charged_lines(owed)
    # Everything the session is made of: another e-mail, amount or return address is another
    # session, and so is any change of the invoice (its version: paying again after a refund).
    terms = {"lines": lines, "due": due, "currency": invoice["currency"], "email": email,
             "success_url": success_url, "cancel_url": cancel_url, "version": invoice.get("version", 0)}
    fingerprint = hashlib.sha256(json.dumps(terms, sort_keys=True, default=str).encode()).hexdigest()[:32]
    current = invoice.get("checkout") or {}
    if current.get("fingerprint") == fingerprint:
        # The same request again (a double click, a retry): the same session while it can be paid.
        status, url = stripe_gateway.checkout_session(current["session_id"])
        if status == "open" and url:
            return CheckoutSession(checkout_url=url, session_id=current["session_id"])
    if current.get("session_id") and stripe_gateway.expire_checkout_session(current["session_id"]) == "complete" \
            and not _applied(invoice, current["session_id"]):
        raise Conflict("A card payment for this invoice was just completed; it shows on the invoice in a moment.",
                       code="payment_in_progress")
    # One open session per invoice: the one before is expired, so it can no longer be paid.
    attempt = int(current.get("attempt", 0)) + 1
    url, session_id = stripe_gateway.create_checkout_session(
        invoice_id=invoice_id, member_id=member_id, renewal_year=int(invoice["renewal_year"]),
        currency=invoice["currency"], lines=lines, email=email,
        success_url=success_url, cancel_url=cancel_url,
        idempotency_key=f"checkout-{invoice_id}-{attempt}-{fingerprint}",
    )
    # Recorded only while the invoice and its checkout are as read (payable, no other session since).
    seen = "checkout.attempt = :seen" if current else "attribute_not_exists(checkout)"
    version = "version = :version" if "version" in invoice else "attribute_not_exists(version)"
    try:
        store.update(keys.invoice_key(int(invoice["renewal_year"]), member_id), "SET checkout = :checkout",
                     condition=f"{version} AND {seen}",
                     values={":checkout": {"session_id": session_id, "fingerprint": fingerprint, "attempt": attempt},
                             **({":seen": current["attempt"]} if current else {}),
                             **({":version": invoice["version"]} if "version" in invoice else {})})
    except store.ConditionFailed:
        recorded = (store.get(keys.invoice_key(int(invoice["renewal_year"]), member_id)) or {}).get("checkout") or {}
        if recorded.get("session_id") == session_id:
            return CheckoutSession(checkout_url=url, session_id=session_id)  # the same request, twice at once
        stripe_gateway.expire_checkout_session(session_id)
        raise Conflict("The invoice changed while the checkout was opened (another checkout or a payment); "
                       "reload and try again.", code="checkout_conflict") from None
    return CheckoutSession(checkout_url=url, session_id=session_id)


def _applied(invoice: dict, session_id: str) -> bool:
    """Whether the payment of a completed session is on the invoice already (it
    was paid, then refunded: the invoice may be paid again)."""
    return any(p.get("reference") == session_id for p in invoice.get("payments", []))


def _charged_lines(owed: dues.Owed) -> list[dict]:
    """The session's line items: the invoice's lines that count, less what was
    paid already (a partly refunded invoice owes only the rest)."""
    lines = owed.payable_lines
    if owed.amount_paid_cents:
        return [{"code": "BALANCE", "description": "Balance due on " + ", ".join(l["description"] for l in lines),
                 "amount_cents": owed.amount_due_cents}]
    return lines
