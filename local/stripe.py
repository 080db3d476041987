"""Stripe for the local stack when no STRIPE_API_KEY is given: the API calls the
code makes (the real SDK, pointed here by STRIPE_API_BASE), the hosted Checkout
page as a plain HTML form, and signed webhook events delivered to
POST /webhooks/stripe through the stack's own gateway.

    POST /_local/stripe/api/v1/checkout/sessions             create (form-encoded, Idempotency-Key)
    GET  /_local/stripe/api/v1/checkout/sessions/{id}        retrieve
    GET  /_local/stripe/api/v1/checkout/sessions/{id}/line_items
    POST /_local/stripe/api/v1/checkout/sessions/{id}/expire  only an open session; it can no longer be paid
    GET  /_local/stripe/checkout/{id}                        the page; its Pay button POSTs back
    POST /_local/stripe/sessions/{id}/events {"type": ...}   refund (with an optional "amount": a partial
                                                             refund), dispute, dispute closed ("status":
                                                             "won" | "lost"), async outcome

Events are signed with the webhook secret exactly as Stripe signs them
(stripe.WebhookSignature), so the webhook's verification runs unchanged.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import stripe
from pydantic import BaseModel, ConfigDict, Field, model_validator
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from local.helpers import _parse
from local.responses import error_response, json_response

LOCAL_API_KEY = "sk_test_local"
DEFAULT_WEBHOOK_SECRET = "whsec_local_development_secret"
API_PREFIX = "/_local/stripe/api"
WEBHOOK_PATH = "/webhooks/stripe"
STATE_FILE = "stripe.json"
SESSION_LIFETIME_S = 24 * 3600  # Checkout's default expires_at
EventType = Literal["charge.refunded", "charge.dispute.created", "charge.dispute.closed",
                    "checkout.session.async_payment_failed", "checkout.session.async_payment_succeeded"]

log = logging.getLogger("local.http")


def environment(port: int, environ: Mapping[str, str]) -> dict[str, str]:
    """What the functions' environment needs on top of template.yaml's: the
    stack's own origins as portal origins (so Checkout may return to it) and,
    without a real STRIPE_API_KEY, the SDK pointed at this module."""
    origins = [o.strip() for o in environ.get("PORTAL_ORIGINS", "").split(",") if o.strip()]
    origins += [o for o in (f"http://127.0.0.1:{port}", f"http://localhost:{port}") if o not in origins]
    values = {"PORTAL_ORIGINS": ",".join(origins)}
    if not environ.get("STRIPE_API_KEY"):
        values.update(STRIPE_API_KEY=LOCAL_API_KEY, STRIPE_API_BASE=f"http://127.0.0.1:{port}{API_PREFIX}",
                      STRIPE_WEBHOOK_SECRET=environ.get("STRIPE_WEBHOOK_SECRET") or DEFAULT_WEBHOOK_SECRET)
    return values


def parse_form(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`line_items[0][price_data][unit_amount]=17500`)
    back into nested dicts, and lists where every key is an index."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        path = [head, *re.findall(r"\[([^\[\]]*)\]", key[len(head):])]
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"{key} mixes a value and nested fields")
        last = path[-1] or str(len(node))  # `a[]=x` appends
        if isinstance(node.get(last), dict):
            raise ValueError(f"{key} mixes a value and nested fields")
        node[last] = value
    return _lists(root)


def _lists(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    value = {key: _lists(item) for key, item in value.items()}
    if value and all(key.isdigit() for key in value):
        return [value[key] for key in sorted(value, key=int)]
    return value


class StripeError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", param: str | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.status, self.kind, self.param, self.code = status, kind, param, code

    def response(self) -> Response:
        error: dict[str, Any] = {"type": self.kind, "message": str(self)}
        if self.param:
            error["param"] = self.param
        if self.code:
            error["code"] = self.code
        return json_response(self.status, {"error": error}, {"Request-Id": _id("req_local")})


class EventRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: EventType
    # charge.refunded: how much this refund returns (default: whatever is left, a full refund).
    amount: int | None = Field(default=None, gt=0)
    # charge.dispute.closed: how the bank decided.
    status: Literal["won", "lost"] | None = None

    @model_validator(mode="after")
    def _fits_the_type(self) -> EventRequest:
        if self.amount is not None and self.type != "charge.refunded":
            raise ValueError("amount is for charge.refunded only")
        if (self.status is not None) != (self.type == "charge.dispute.closed"):
            raise ValueError("status (won or lost) is required for charge.dispute.closed, and only there")
        return self


class LocalStripe:
    """The sessions (kept with the rest of the local state) and the routes above."""

    def __init__(self, base_url: str, webhook_secret: str, app: Callable[..., Any],
                 saved: Mapping[str, Any] | None = None):
        self.base_url, self.webhook_secret, self.app = base_url.rstrip("/"), webhook_secret, app
        saved = saved or {}
        self.sessions: dict[str, dict[str, Any]] = dict(saved.get("sessions") or {})
        self.idempotency: dict[str, dict[str, str]] = dict(saved.get("idempotency") or {})
        self.lock = threading.Lock()
        self.routes = Map([
            Rule(f"{API_PREFIX}/v1/checkout/sessions", methods=["POST"], endpoint=self.create_session),
            Rule(f"{API_PREFIX}/v1/checkout/sessions/<session_id>", methods=["GET"], endpoint=self.get_session),
            Rule(f"{API_PREFIX}/v1/checkout/sessions/<session_id>/line_items", methods=["GET"],
                 endpoint=self.get_line_items),
            Rule(f"{API_PREFIX}/v1/checkout/sessions/<session_id>/expire", methods=["POST"],
                 endpoint=self.expire_session),
            Rule("/_local/stripe/checkout/<session_id>", methods=["GET", "POST"], endpoint=self.checkout_page),
            Rule("/_local/stripe/sessions/<session_id>/events", methods=["POST"], endpoint=self.send_event),
        ])

    def state(self) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy({"sessions": self.sessions, "idempotency": self.idempotency})

    def __call__(self, request: Request) -> Response:
        is_api = request.path.startswith(f"{API_PREFIX}/")
        try:
            endpoint, arguments = self.routes.bind_to_environ(request.environ).match()
        except (NotFound, MethodNotAllowed) as missing:
            if is_api:
                return StripeError(404, f"Unrecognized request URL ({request.method}: "
                                        f"{request.path.removeprefix(API_PREFIX)}).").response()
            if isinstance(missing, MethodNotAllowed):
                return error_response(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}.")
            return error_response(404, "not_found", f"No local helper at {request.path}.")
        if is_api:
            try:
                _authenticate(request)
                return endpoint(request, **arguments)
            except StripeError as error:
                return error.response()
        return endpoint(request, **arguments)

    # ------------------------------------------------------------------ the API
    def create_session(self, request: Request) -> Response:
        try:
            params = parse_form(request.form.items(multi=True))
        except ValueError as error:
            raise StripeError(400, f"Invalid request: {error}.") from error
        key = request.headers.get("Idempotency-Key")
        fingerprint = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
        with self.lock:
            if key and key in self.idempotency:
                remembered = self.idempotency[key]
                if remembered["fingerprint"] != fingerprint:
                    raise StripeError(400, "Keys for idempotent requests can only be used with the same parameters "
                                           "they were first used with. Try using a key other than "
                                           f"'{key}' if you meant to execute a different request.",
                                      kind="idempotency_error")
                return _api_response(self.sessions[remembered["session_id"]]["session"], replayed=True)
            record = self._new_session(params)
            self.sessions[record["session"]["id"]] = record
            if key:
                self.idempotency[key] = {"session_id": record["session"]["id"], "fingerprint": fingerprint}
            return _api_response(record["session"])

    def get_session(self, request: Request, session_id: str) -> Response:
        with self.lock:
            return _api_response(self._record(session_id)["session"])

    def expire_session(self, request: Request, session_id: str) -> Response:
        with self.lock:
            session = self._record(session_id)["session"]
            if session["status"] != "open":
                raise StripeError(400, 'Only Checkout Sessions with a status in ["open"] can be expired. This '
                                       f'Checkout Session has a status of "{session["status"]}".',
                                  param="session")
            session.update(status="expired", url=None)
            return _api_response(session)

    def get_line_items(self, request: Request, session_id: str) -> Response:
        with self.lock:
            items = self._record(session_id)["line_items"]
        return _api_response({"object": "list", "data": items, "has_more": False,
                              "url": f"/v1/checkout/sessions/{session_id}/line_items"})

    def _record(self, session_id: str) -> dict[str, Any]:
        record = self.sessions.get(session_id)
        if record is None:
            raise StripeError(404, f"No such checkout.session: '{session_id}'", param="session",
                              code="resource_missing")
        return record

    def _new_session(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("mode") != "payment":
            raise StripeError(400, "The local Stripe supports mode=payment only.", param="mode")
        raw_lines = params.get("line_items")
        if not isinstance(raw_lines, list) or not raw_lines:
            raise StripeError(400, "Missing required param: line_items.", param="line_items")
        lines = [_line_item(line, index) for index, line in enumerate(raw_lines)]
        currencies = {line["currency"] for line in lines}
        if len(currencies) != 1:
            raise StripeError(400, "All line items must share one currency.", param="line_items")
        session_id = _id("cs_test_local")
        created = int(time.time())
        total = sum(line["amount_total"] for line in lines)
        metadata = params.get("metadata") or {}
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": created,
            "currency": currencies.pop(),
            "customer": None,
            "customer_details": None,
            "customer_email": params.get("customer_email"),
            "expires_at": created + SESSION_LIFETIME_S,
            "livemode": False,
            "metadata": metadata if isinstance(metadata, dict) else {},
            "mode": "payment",
            "payment_intent": None,
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "url": f"{self.base_url}/_local/stripe/checkout/{session_id}",
        }
        intent_metadata = (params.get("payment_intent_data") or {}).get("metadata")
        return {"session": session, "line_items": lines,
                "payment_intent_metadata": intent_metadata if isinstance(intent_metadata, dict) else None,
                "payment_intent": None, "charge": None, "undelivered": None}

    # ------------------------------------------------------------------ the hosted page
    def checkout_page(self, request: Request, session_id: str) -> Response:
        if request.method == "GET":
            with self.lock:
                record = copy.deepcopy(self.sessions.get(session_id))
            if record is None:
                return _page(404, "No such Checkout Session", "<p>This checkout link is not known here.</p>")
            if record["session"]["status"] == "expired":
                return _expired_page()
            return _checkout_page(record)

        if request.form.get("session_id") != session_id:
            return _page(400, "Not this session", "<p>The form does not belong to this Checkout Session.</p>")
        with self.lock:
            record = self.sessions.get(session_id)
            if record is None:
                return _page(404, "No such Checkout Session", "<p>This checkout link is not known here.</p>")
            session = record["session"]
            if session["status"] == "expired":
                return _expired_page()
            if session["status"] == "open":
                # Paid now; the event is remembered until the webhook accepts it (Stripe retries too).
                session.update(status="complete", payment_status="paid", payment_intent=self._payment_intent(record),
                               customer_details={"email": session.get("customer_email"), "name": None})
                record["undelivered"] = _event("checkout.session.completed", copy.deepcopy(session))
            event = copy.deepcopy(record["undelivered"])
            done = copy.deepcopy(record)
        if event is not None:
            status, body = self._deliver(event)
            if not 200 <= status < 300:
                return _page(502, "The webhook refused the payment",
                             f"<p>POST {WEBHOOK_PATH} answered {status}:</p><pre>{_esc(json.dumps(body))}</pre>"
                             "<p>Pay again to resend the same event.</p>")
            with self.lock:
                if (self.sessions[session_id].get("undelivered") or {}).get("id") == event["id"]:
                    self.sessions[session_id]["undelivered"] = None
        success_url = done["session"].get("success_url")
        if success_url:
            return Response(status=303, headers={"Location": success_url.replace("{CHECKOUT_SESSION_ID}", session_id)})
        return _page(200, "Paid", f"<p>{_esc(_money(done['session']['amount_total'], done['session']['currency']))} "
                                  "paid. You can close this page.</p>")

    # ------------------------------------------------------------------ other events
    def send_event(self, request: Request, session_id: str) -> Response:
        with self.lock:
            if session_id not in self.sessions:
                return error_response(404, "not_found", f"No local Checkout Session {session_id}.")
        parsed = _parse(request, EventRequest)
        if isinstance(parsed, Response):
            return parsed
        with self.lock:
            record = self.sessions[session_id]
            try:
                event = _event(parsed.type, self._event_object(record, parsed))
            except StripeError as error:
                return error_response(422, "invalid_event", str(error))
        status, body = self._deliver(event)
        return json_response(200, {"event_id": event["id"], "type": event["type"], "webhook_status": status,
                                   "webhook_response": body})

    def _event_object(self, record: dict[str, Any], request: EventRequest) -> dict[str, Any]:
        kind = request.type
        session = record["session"]
        intent = self._payment_intent(record)
        metadata = copy.deepcopy(record.get("payment_intent_metadata") or session["metadata"])
        amount, currency = session["amount_total"], session["currency"]
        if kind == "checkout.session.async_payment_succeeded":
            session.update(status="complete", payment_status="paid", payment_intent=intent,
                           customer_details={"email": session.get("customer_email"), "name": None})
            return copy.deepcopy(session)
        if kind == "checkout.session.async_payment_failed":
            # The session is not changed here, so the page can still pay it.
            return {**copy.deepcopy(session), "status": "complete", "payment_status": "unpaid",
                    "payment_intent": intent}
        charge = record.get("charge") or _id("ch_local")
        record["charge"] = charge
        if kind == "charge.refunded":
            # Stripe's Charge carries the refunded total so far; `refunded` once all of it went back.
            left = amount - record.get("refunded", 0)
            refund = left if request.amount is None else request.amount
            if refund <= 0 or refund > left:
                raise StripeError(400, f"Refund amount ({refund}) is greater than the unrefunded amount ({left}).")
            record["refunded"] = record.get("refunded", 0) + refund
            return {"id": charge, "object": "charge", "amount": amount, "amount_captured": amount,
                    "amount_refunded": record["refunded"], "captured": True, "created": int(time.time()),
                    "currency": currency, "livemode": False, "metadata": metadata, "paid": True,
                    "payment_intent": intent, "refunded": record["refunded"] == amount, "status": "succeeded"}
        dispute = record.get("dispute") or _id("dp_local")
        record["dispute"] = dispute
        return {"id": dispute, "object": "dispute", "amount": amount, "charge": charge,
                "created": int(time.time()), "currency": currency, "livemode": False, "metadata": metadata,
                "payment_intent": intent, "reason": "general",
                "status": request.status if kind == "charge.dispute.closed" else "needs_response"}

    @staticmethod
    def _payment_intent(record: dict[str, Any]) -> str:
        # One PaymentIntent per session, made on first need, so a refund sent
        # before the page is paid names the intent the payment will carry.
        record["payment_intent"] = record.get("payment_intent") or _id("pi_test_local")
        return record["payment_intent"]

    # ------------------------------------------------------------------ delivery
    def _deliver(self, event: dict[str, Any]) -> tuple[int, Any]:
        """Signs the event and POSTs it to the webhook through the gateway, as an HTTP request would arrive."""
        payload = json.dumps(event)
        signature = stripe.WebhookSignature.generate_signature_header(payload, self.webhook_secret)
        response = Client(self.app).post(WEBHOOK_PATH, data=payload.encode("utf-8"), headers={
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        })
        text = response.get_data(as_text=True)
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = text
        log.info("stripe %s %s -> POST %s %s", event["type"], event["id"], WEBHOOK_PATH, response.status_code)
        return response.status_code, body


# ---------------------------------------------------------------------- helpers
def _authenticate(request: Request) -> None:
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header[:7].lower() == "bearer " else None
    if key is None and request.authorization is not None and request.authorization.type == "basic":
        key = request.authorization.username  # curl -u sk_test_...:
    if not key:
        raise StripeError(401, "You did not provide an API key. You need to provide your API key in the "
                               "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                               "YOUR_SECRET_KEY').")
    if not key.startswith("sk_test_"):
        raise StripeError(401, f"Invalid API Key provided: {key[:8]}{'*' * 4}. The local Stripe takes any "
                               "sk_test_ key.", code="api_key_invalid")


def _line_item(line: Any, index: int) -> dict[str, Any]:
    param = f"line_items[{index}]"
    price = line.get("price_data") if isinstance(line, dict) else None
    if not isinstance(price, dict):
        raise StripeError(400, f"The local Stripe needs price_data on {param}.", param=f"{param}[price_data]")
    try:
        unit_amount, quantity = int(price["unit_amount"]), int(line.get("quantity", 1))
    except (KeyError, TypeError, ValueError) as error:
        raise StripeError(400, f"Invalid integer for {param}: unit_amount and quantity.",
                          param=f"{param}[price_data][unit_amount]") from error
    if unit_amount < 0 or quantity < 1 or not price.get("currency"):
        raise StripeError(400, f"Invalid amount, quantity or currency on {param}.", param=param)
    name = str((price.get("product_data") or {}).get("name") or "Item")
    currency = str(price["currency"]).lower()
    return {"id": _id("li_local"), "object": "item", "amount_discount": 0, "amount_subtotal": unit_amount * quantity,
            "amount_tax": 0, "amount_total": unit_amount * quantity, "currency": currency, "description": name,
            "price": {"object": "price", "currency": currency, "unit_amount": unit_amount, "type": "one_time"},
            "quantity": quantity}


def _event(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": _id("evt_local"), "object": "event", "api_version": stripe.api_version,
            "created": int(time.time()),  # real time: the signature's tolerance is real time too
            "data": {"object": obj}, "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, "type": kind}


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _api_response(body: Any, replayed: bool = False) -> Response:
    headers = {"Request-Id": _id("req_local"), "Stripe-Version": stripe.api_version}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(200, body, headers)


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _money(cents: int, currency: str) -> str:
    return f"{cents / 100:,.2f} {currency.upper()}"


def _page(status: int, title: str, body: str) -> Response:
    document = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)} · local Stripe Checkout</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}}
table{{width:100%;border-collapse:collapse}}td{{padding:.4rem 0}}td+td{{text-align:right}}
tfoot td{{font-weight:bold;border-top:1px solid #ccc}}button{{font-size:1.1rem;padding:.6rem 1.6rem}}</style></head>
<body><p><small>Local stand-in for Stripe Checkout, test mode: no card is charged.</small></p>
<h1>{_esc(title)}</h1>
{body}
</body></html>
"""
    return Response(document, status=status, content_type="text/html; charset=utf-8")


def _expired_page() -> Response:
    return _page(410, "This checkout has expired", "<p>This payment page is no longer valid: a newer one was "
                                                   "opened for the invoice. Start the payment again.</p>")


def _row(line: dict[str, Any]) -> str:
    name = line["description"] if line["quantity"] == 1 else f"{line['description']} × {line['quantity']}"
    return f"<tr><td>{_esc(name)}</td><td>{_esc(_money(line['amount_total'], line['currency']))}</td></tr>"


def _checkout_page(record: dict[str, Any]) -> Response:
    session = record["session"]
    total = _money(session["amount_total"], session["currency"])
    rows = "\n".join(_row(line) for line in record["line_items"])
    table = f"<table><tbody>\n{rows}\n</tbody><tfoot><tr><td>Total</td><td>{_esc(total)}</td></tr></tfoot></table>"
    email = f"<p>{_esc(session['customer_email'])}</p>" if session.get("customer_email") else ""
    if session["status"] != "open" and not record.get("undelivered"):
        back = f'<p><a href="{_esc(session["success_url"])}">Continue</a></p>' if session.get("success_url") else ""
        return _page(200, f"Paid {total}", f"{email}{table}<p>This session is {_esc(session['payment_status'])}.</p>"
                                           f"{back}")
    cancel = f'<p><a href="{_esc(session["cancel_url"])}">Cancel</a></p>' if session.get("cancel_url") else ""
    form = (f'<form method="post">\n<input type="hidden" name="session_id" value="{_esc(session["id"])}">\n'
            f"<button type=\"submit\">Pay {_esc(total)}</button>\n</form>")
    return _page(200, f"Pay {total}", f"{email}{table}\n{form}\n{cancel}")
