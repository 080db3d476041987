"""The real stripe SDK talking to the local stack's Stripe (local.stripe), in
this process: the SDK's HTTP client hands each request to the WSGI app
instead of the network. Its webhook events reach the real webhook handler on
moto through the local gateway, signed as Stripe signs them.

Faults are injected at the HTTP client, where Stripe's would show: queue a
status (500) or an exception (a timeout) for the next calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import stripe
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from local import template
from local.gateway import Gateway
from local.invoke import Invoker
from local.stripe import LOCAL_API_KEY, LocalStripe
from tests.integration.conftest import stripe_keys

BASE = "http://stripe.local"
WEBHOOK_SECRET = "whsec_test_integration_secret"


class InProcessHttp(stripe.HTTPClient):
    name = "in-process"

    def __init__(self, app: Any):
        super().__init__()
        self.client = Client(app)
        self.faults: list[int | Exception] = []  # consumed one per request, before it reaches the app
        self.requests: list[tuple[str, str]] = []

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, **_: Any):
        self.requests.append((method.upper(), urlsplit(url).path))
        if self.faults:
            fault = self.faults.pop(0)
            if isinstance(fault, Exception):
                raise fault
            body = b'{"error": {"type": "api_error", "message": "An unknown error occurred."}}'
            return body, fault, {"Request-Id": "req_fault"}
        parts = urlsplit(url)
        response = self.client.open(parts.path, method=method.upper(), query_string=parts.query,
                                    headers=dict(headers or {}), data=post_data)
        return response.get_data(), response.status_code, dict(response.headers)

    def close(self) -> None:
        pass


@dataclass
class StripeStandIn:
    stripe: LocalStripe
    http: InProcessHttp
    client: stripe.StripeClient
    paid: list[str] = field(default_factory=list)

    def pay(self, session_id: str) -> Response:
        """The Pay button of the session's checkout page."""
        request = Request.from_values(f"/_local/stripe/checkout/{session_id}", method="POST",
                                      data={"session_id": session_id})
        return self.stripe.checkout_page(request, session_id)

    def session(self, session_id: str) -> dict[str, Any]:
        return self.stripe.state()["sessions"][session_id]["session"]


@pytest.fixture
def local_stripe(api: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeStandIn]:
    from renewal.adapters import stripe_gateway

    stripe_keys(monkeypatch, webhook_secret=WEBHOOK_SECRET)
    monkeypatch.setenv("PORTAL_ORIGINS", "https://portal.example.org")
    webhooks = Gateway(Invoker(template.functions()), authority=None)  # type: ignore[arg-type]  # public route only
    fake = LocalStripe(BASE, WEBHOOK_SECRET, app=webhooks)
    http = InProcessHttp(lambda environ, respond: fake(Request(environ))(environ, respond))
    client = stripe.StripeClient(LOCAL_API_KEY, http_client=http, base_addresses={"api": f"{BASE}/_local/stripe/api"},
                                 max_network_retries=0)
    monkeypatch.setattr(stripe_gateway, "client", lambda: client)
    yield StripeStandIn(fake, http, client)
