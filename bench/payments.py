"""AWS calls and latency of the money paths (`python -m bench --only payments`):
a signed Stripe webhook that pays an invoice (goal: at most 3 DynamoDB calls),
the same event delivered again, a checkout, and an offline payment. Each
request pays a different, freshly issued invoice, through the real handlers
on moto. The checkout's call to Stripe is answered in process (it is not an
AWS call); the signature is real (stripe.WebhookSignature).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from bench import harness

TABLE = "renewal-bench-payments"
SECRET = "whsec_bench_secret"
YEAR = 2027


def _seed(count: int) -> list[dict[str, Any]]:
    from renewal import invoice_runs, invoicing, keys
    from renewal.adapters import store
    from renewal.rules import RuleSet

    from bench.api_calls import RULE_SET

    rule_set = RuleSet(**RULE_SET, renewal_year=YEAR)
    store.put({**keys.rule_set_key(YEAR), **rule_set.model_dump(mode="json", exclude={"locked"})})
    invoices = []
    for n in range(count):
        profile = {**keys.member_key(f"P-{n:05d}"), "member_id": f"P-{n:05d}", "first_name": "Pay",
                   "last_name": str(n), "version": 1, "contact": {"email": f"p{n}@example.org"},
                   "credentials": [{"code": "CAM", "earned_on": "2015-06-01"}]}
        store.put(profile)
        assessment = invoicing.assess(invoicing.held_from_profile(profile), rule_set)
        record = invoice_runs.invoice_record("bench", rule_set, profile, assessment)
        store.put(record)
        invoices.append(record)
    return invoices


def _event(invoice: dict[str, Any], n: int) -> str:
    return json.dumps({
        "id": f"evt_bench_{n}", "object": "event", "type": "checkout.session.completed", "created": int(time.time()),
        "data": {"object": {"id": f"cs_bench_{n}", "object": "checkout.session", "amount_total": invoice["total_cents"],
                            "currency": "usd", "payment_status": "paid", "payment_intent": f"pi_bench_{n}",
                            "metadata": {"invoice_id": invoice["invoice_id"]}}},
    })


def run(iterations: int = 200) -> list[dict[str, Any]]:
    from local import template

    functions = template.functions()
    env = {**harness.template_environment(functions["PaymentWebhookFunction"], table_name=TABLE),
           **harness.template_environment(functions["MembersApiFunction"], table_name=TABLE)}
    harness.prepare_process({**env, "STRIPE_KEYS_SECRET": "StripeKeys", "PORTAL_ORIGINS": "https://portal.example.org",
                             "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"})

    import boto3
    import stripe
    from moto import mock_aws

    with mock_aws():
        from local import apigw
        from renewal import clock
        from renewal.adapters import notify, store, stripe_gateway

        for adapter in (store, notify):
            adapter.reset()
        template.create_table(boto3.client("dynamodb"), TABLE)
        # The webhook reads its signing secret from Secrets Manager (cached: one call per cold start).
        boto3.client("secretsmanager").create_secret(
            Name="StripeKeys", SecretString=json.dumps({"api_key": "", "webhook_secret": SECRET}))
        boto3.client("ses").verify_email_identity(EmailAddress=os.environ.get("SENDER_EMAIL", "renewals@example.org"))
        clock.set_today(__import__("datetime").date(2026, 11, 28))
        invoices = _seed(3 * iterations)
        stripe_gateway.create_checkout_session = lambda **kw: (f"https://checkout.test/{kw['invoice_id']}",
                                                               f"cs_test_{kw['invoice_id']}")
        counter = harness.AwsCallCounter()
        counter.attach_default_session()
        counter.attach(store.client())
        handlers = {name: apigw.load_handler(functions[name]) for name in ("PaymentWebhookFunction",
                                                                            "MembersApiFunction", "StaffApiFunction")}

        def call(function: str, method: str, path: str, route: str, *, body: str, headers: dict[str, str],
                 claims: dict[str, Any] | None = None, params: dict[str, str] | None = None) -> dict[str, Any]:
            event = apigw.http_event(method=method, path=path, route_key=route, path_parameters=params,
                                     headers={"content-type": "application/json", **headers}, body=body,
                                     claims=claims)
            return handlers[function](event, apigw.LambdaContext(function))

        def webhook(n: int, invoice: dict[str, Any]) -> dict[str, Any]:
            payload = _event(invoice, n)
            signature = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
            return call("PaymentWebhookFunction", "POST", "/webhooks/stripe", "POST /webhooks/stripe", body=payload,
                        headers={"stripe-signature": signature})

        def checkout(n: int, invoice: dict[str, Any]) -> dict[str, Any]:
            claims = {"sub": "u", "cognito:groups": ["member"], "custom:member_id": invoice["member_id"]}
            path = f"/me/invoices/{invoice['invoice_id']}/checkout"
            return call("MembersApiFunction", "POST", path, "POST /me/invoices/{invoice_id}/checkout", body="{}",
                        headers={}, claims=claims, params={"invoice_id": invoice["invoice_id"]})

        def offline(n: int, invoice: dict[str, Any]) -> dict[str, Any]:
            body = json.dumps({"method": "check", "reference": f"chk {n}", "amount_cents": invoice["total_cents"],
                               "received_on": "2026-11-20"})
            path = f"/admin/invoices/{invoice['invoice_id']}/payments"
            return call("StaffApiFunction", "POST", path, "POST /admin/invoices/{invoice_id}/payments", body=body,
                        headers={}, claims={"sub": "s", "cognito:groups": ["naaei"]},
                        params={"invoice_id": invoice["invoice_id"]})

        rows = []
        plans = [
            ("POST /me/invoices/{id}/checkout", checkout, invoices[:iterations], 0),
            ("POST /webhooks/stripe (pays)", webhook, invoices[:iterations], 0),
            ("POST /webhooks/stripe (same event again)", webhook, invoices[:iterations], 0),
            ("POST /admin/invoices/{id}/payments", offline, invoices[iterations:2 * iterations], 0),
        ]
        for name, action, targets, _ in plans:
            timer = harness.Timer()
            seen: dict[tuple, int] = {}
            for n, invoice in enumerate(targets):
                with counter.measure() as sample:
                    started = time.perf_counter()
                    response = action(n, invoice)
                    timer.add(time.perf_counter() - started)
                if response["statusCode"] != 200:
                    raise RuntimeError(f"{name} -> {response['statusCode']}: {response.get('body')}")
                key = tuple(sorted(sample.calls.items()))
                seen[key] = seen.get(key, 0) + 1
            calls = dict(max(seen, key=seen.get))
            dynamodb = {k: v for k, v in calls.items() if k.startswith("DynamoDB.")}
            rows.append({"operation": name, "aws_calls": calls, "dynamodb_calls_total": sum(dynamodb.values()),
                         "aws_calls_stable": len(seen) == 1, "latency": timer.summary_ms()})
        clock.set_today(None)
        for adapter in (store, notify):
            adapter.reset()
        return rows
