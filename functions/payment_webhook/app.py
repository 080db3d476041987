"""Stripe's webhook: verify the signature on the raw body, apply the event once,
answer fast; the receipt e-mail goes out after the write has committed."""

import gc

# Everything imported at cold start lives as long as the container: no collection
# is worth running while importing (bench/: 15-30 ms a function).
gc.disable()

from renewal import lazy_packages

# Before Powertools: its event-handler and event-class packages then load only
# the resolver and event classes this function uses (renewal/lazy_packages.py).
lazy_packages.install()

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from renewal import payments, webhooks
from renewal.adapters import stripe_gateway
from renewal.api import create_app, errors, handle, raw_body
from renewal.errors import MalformedRequest
from renewal import telemetry
from renewal.telemetry import metrics
from renewal import config

# Every setting this function needs, checked at cold start (one error names what is missing).
config.require("TABLE_NAME", "STRIPE_KEYS_SECRET")

logger = Logger()
app = create_app()


class Received(BaseModel):
    received: bool


@app.post("/webhooks/stripe", responses=errors(400), summary="Stripe events (signed; no JWT)")
def stripe_webhook() -> Received:
    event = app.current_event
    try:
        verified = stripe_gateway.verify(raw_body(app), event.headers.get("stripe-signature"))
    except stripe_gateway.InvalidWebhook as invalid:
        logger.warning("webhook refused", extra={"reason": str(invalid)})
        raise MalformedRequest(f"Not a valid Stripe event: {invalid}.", code="invalid_webhook") from invalid
    outcome = webhooks.apply(verified)
    if outcome is not None and (outcome.result == "flagged" or verified["type"].startswith("checkout.session")):
        telemetry.count_payment(outcome.result)
    if outcome is not None and outcome.result == "applied" and outcome.invoice and verified["type"].startswith(
            "checkout.session"):
        payments.send_receipt(outcome.invoice, int(verified["data"]["object"].get("amount_total") or 0))
    return Received(received=True)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return handle(app, event, context)


gc.enable()
gc.freeze()  # keep the long-lived import graph out of later collections
