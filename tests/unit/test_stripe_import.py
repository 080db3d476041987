"""The Stripe adapter imports stripe without `requests` (stripe's default HTTP
client, which nothing here uses): the webhook, which only checks signatures,
never loads it; a checkout's client still talks through requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared" / "python"

_PROBE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from renewal.adapters import stripe_gateway
stripe = stripe_gateway.stripe
after_import = "requests" in sys.modules
payload = json.dumps({"id": "evt_1", "object": "event", "type": "charge.refunded", "data": {"object": {"id": "ch_1"}}})
secret = "whsec_probe"
header = stripe.WebhookSignature.generate_signature_header(payload, secret)
event = stripe.Webhook.construct_event(payload, header, secret, tolerance=300)
try:
    stripe.Webhook.construct_event(payload, header.replace("v1=", "v1=0"), secret, tolerance=300)
    refused = False
except stripe.SignatureVerificationError:
    refused = True
after_verify = "requests" in sys.modules
client = stripe_gateway._client("sk_test_probe")
print(json.dumps({"after_import": after_import, "after_verify": after_verify, "event": event.id,
                  "refused": refused, "http_client": type(client._requestor._client).__name__,
                  "after_client": "requests" in sys.modules}))
"""


def test_the_webhook_checks_signatures_with_stripe_and_never_loads_requests() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE, str(LAYER)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert (seen["event"], seen["refused"]) == ("evt_1", True)  # stripe's own check, both ways
    assert (seen["after_import"], seen["after_verify"]) == (False, False)
    # A client that calls Stripe's API uses requests, as stripe does by default.
    assert (seen["http_client"], seen["after_client"]) == ("RequestsClient", True)


def test_requests_is_importable_again_after_stripe() -> None:
    from renewal.adapters import stripe_gateway

    import requests

    assert sys.modules["requests"] is requests and stripe_gateway.stripe.RequestsClient().requests is requests
