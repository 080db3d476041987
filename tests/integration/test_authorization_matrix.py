"""Who may call what: every route of the API against every kind of caller, the
expected status of each cell in one table.

The route table is template.yaml's (the routes API Gateway serves); the code's
routes (each function's resolver) and docs/data-model.md's access patterns
must list the same ones, and MATRIX must have a row for each: a route added
anywhere without the others, or without its row here, fails.

Requests go through the local stack's gateway in this process (the JWT
authorizer emulation, then the real handlers on moto), so "no token",
"forged" and "expired" meet the authorizer as in AWS, and the rest meet the
group gate and the domain's ownership checks.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.test import Client

from local import template
from local.auth import Authority
from local.gateway import Gateway
from local.invoke import Invoker
from tests.integration.conftest import QUEUES, drain
from tests.integration.payloads import ANA, RULE_SET_2027, fresh

ROOT = Path(__file__).resolve().parents[2]
ISSUER, AUDIENCE = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_matrix", ["matrix-client"]

# The callers, in the order each row lists them (and its requests are sent).
CALLERS = ("none", "forged", "expired", "member_self", "member_other", "affiliate_own", "affiliate_other",
           "member_affiliate_self", "naaei")

# "self" is member M-1 of the AASC affiliate, and every path names M-1's records
# (invoice, forms, submission, waiver request), so:
#   member_self            M-1 (group member)
#   member_other           M-2, another member of AASC: M-1's records are not theirs
#   affiliate_own          an officer of AASC (M-1's affiliate), not a member
#   affiliate_other        an officer of BBB
#   member_affiliate_self  M-1, who is also an officer of AASC (one person, two groups)
#   naaei                  institute staff
# A route without an id in its path acts on the caller's own data (their list, their contact).
#
# Expected statuses:                               none forged expired m.self m.other a.own a.other m+a.self naaei
MATRIX: dict[str, tuple[int, ...]] = {
    "GET /health":                                       (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /swagger":                                      (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /verify/{certificate_number}":                  (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "POST /webhooks/stripe":                             (400, 400, 400, 400, 400, 400, 400, 400, 400),
    "GET /me":                                           (401, 401, 401, 200, 200, 403, 403, 200, 403),
    "PATCH /me/contact":                                 (401, 401, 401, 200, 200, 403, 403, 200, 403),
    "GET /me/invoices":                                  (401, 401, 401, 200, 200, 403, 403, 200, 403),
    "GET /me/invoices/{invoice_id}":                     (401, 401, 401, 200, 404, 403, 403, 200, 403),
    "POST /me/invoices/{invoice_id}/checkout":           (401, 401, 401, 200, 404, 403, 403, 200, 403),
    "GET /me/renewals/{renewal_year}":                   (401, 401, 401, 200, 200, 403, 403, 200, 403),
    "GET /me/certificates/{code}":                       (401, 401, 401, 200, 404, 403, 403, 200, 403),
    "GET /me/cec-transcript":                            (401, 401, 401, 200, 200, 403, 403, 200, 403),
    # m+a.self is M-1 again, whose request of the same type (member_self's, just before) is pending: one at a time.
    "POST /me/waiver-requests":                          (401, 401, 401, 201, 201, 403, 403, 409, 403),
    "GET /me/waiver-requests":                           (401, 401, 401, 200, 200, 403, 403, 200, 403),
    "POST /me/uploads":                                  (401, 401, 401, 201, 201, 403, 403, 201, 403),
    "POST /me/cec-forms":                                (401, 401, 401, 201, 201, 403, 403, 201, 403),
    "GET /me/cec-forms":                                 (401, 401, 401, 200, 200, 403, 403, 200, 403),
    "GET /me/cec-forms/{form_id}":                       (401, 401, 401, 200, 404, 403, 403, 200, 403),
    "POST /me/cec-submissions":                          (401, 401, 401, 202, 422, 403, 403, 202, 403),
    "GET /me/cec-submissions":                           (401, 401, 401, 200, 200, 403, 403, 200, 403),
    "GET /me/cec-submissions/{submission_id}":           (401, 401, 401, 200, 404, 403, 403, 200, 403),
    "GET /affiliate/members":                            (401, 401, 401, 403, 403, 200, 200, 200, 403),
    "GET /affiliate/renewals":                           (401, 401, 401, 403, 403, 200, 200, 200, 403),
    "GET /affiliate/cec-forms":                          (401, 401, 401, 403, 403, 200, 200, 200, 403),
    "POST /affiliate/cec-forms/{form_id}/decision":      (401, 401, 401, 403, 403, 200, 404, 403, 403),
    "POST /affiliate/classes/{class_id}/roster":         (401, 401, 401, 403, 403, 200, 200, 200, 403),
    "GET /review/cec-submissions":                       (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "POST /review/cec-submissions/{submission_id}/decision": (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "PUT /admin/rule-sets/{renewal_year}":               (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "GET /admin/rule-sets/{renewal_year}":               (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "PUT /admin/members/{member_id}":                    (401, 401, 401, 403, 403, 403, 403, 403, 201),
    "GET /admin/members":                                (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "GET /admin/members/{member_id}":                    (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "GET /admin/members/{member_id}/renewals/{renewal_year}": (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "GET /admin/members/{member_id}/history":            (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "GET /admin/members/{member_id}/invoices":           (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "GET /admin/members/{member_id}/cec-transcript":     (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "POST /admin/members/{member_id}/waivers":           (401, 401, 401, 403, 403, 403, 403, 403, 201),
    "DELETE /admin/members/{member_id}/waivers/{waiver_id}": (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "POST /admin/invoices/{invoice_id}/payments":        (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "POST /admin/invoices/{invoice_id}/reinstatement-waiver": (401, 401, 401, 403, 403, 403, 403, 403, 409),
    "GET /admin/payments":                               (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "GET /admin/waiver-requests":                        (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "POST /admin/waiver-requests/{request_id}/decision": (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "GET /admin/renewals":                               (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "GET /admin/summary":                                (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "POST /admin/invoice-runs":                          (401, 401, 401, 403, 403, 403, 403, 403, 202),
    "GET /admin/invoice-runs":                           (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "GET /admin/invoice-runs/{run_id}":                  (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "POST /admin/deadline-runs":                         (401, 401, 401, 403, 403, 403, 403, 403, 202),
    "GET /admin/deadline-runs":                          (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "GET /admin/deadline-runs/{run_id}":                 (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "POST /admin/exports":                               (401, 401, 401, 403, 403, 403, 403, 403, 202),
    "GET /admin/exports/{export_id}":                    (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "POST /admin/uploads":                               (401, 401, 401, 403, 403, 403, 403, 403, 201),
    "POST /admin/imports":                               (401, 401, 401, 403, 403, 403, 403, 403, 422),
    "GET /admin/imports":                                (401, 401, 401, 403, 403, 403, 403, 403, 200),
    "GET /admin/imports/{import_id}":                    (401, 401, 401, 403, 403, 403, 403, 403, 404),
    "POST /admin/members/{member_id}/account":           (401, 401, 401, 403, 403, 403, 403, 403, 200),
}


@dataclass(frozen=True)
class Request:
    path: str
    body: Any = None
    query: str = ""


def activity(title: str, minutes: int = 300, kind: str = "conference") -> dict[str, Any]:
    return {"type": kind, "title": title, "provider": "NAA Expo", "completed_on": "2026-06-01",
            "contact_minutes": minutes, "break_minutes": 0}


COMPLETE = [activity("Expo sessions"), activity("Leasing law online", 180, "online_course")]


class World:
    """The records the matrix acts on, made through the API as staff, M-1 and AASC would."""

    def __init__(self, client: Client, tokens: dict[str, str]):
        self.client, self.tokens = client, tokens
        self.put("PUT", "/admin/rule-sets/2027", "naaei", RULE_SET_2027)
        for member_id, affiliate in (("M-1", "AASC"), ("M-2", "AASC"), ("M-3", "BBB")):
            body = fresh(ANA)
            body.update(affiliate=affiliate, credentials=[{"code": "CAM", "earned_on": "2019-05-04"}])
            if member_id == "M-1":
                body["credentials"].append({"code": "CAMT", "earned_on": "2010-06-30"})
            body["contact"]["email"] = f"{member_id.lower()}@example.org"
            self.put("PUT", f"/admin/members/{member_id}", "naaei", body)
        run = self.put("POST", "/admin/invoice-runs", "naaei", {"renewal_year": 2027})
        drain("InvoiceJobQueue", "InvoiceGenerationFunction")
        self.run_id = run["run_id"]
        self.deadline_run = self.put("POST", "/admin/deadline-runs", "naaei", {})["run_id"]
        self.export = self.put("POST", "/admin/exports", "naaei", {"renewal_year": 2027})["export_id"]
        self.awaiting = self.form()  # waits for the affiliate
        self.in_review = self.form(verify=True)
        self.submission = self.put("POST", "/me/cec-submissions", "member_self",
                                   {"renewal_year": 2027, "form_ids": [self.in_review]})["submission_id"]
        drain("CecSubmissionQueue", "ApprovalQueueFunction")
        self.to_submit = {caller: self.form(verify=True) for caller in ("member_self", "member_affiliate_self")}
        self.request = self.put("POST", "/me/waiver-requests", "member_self",
                                {"type": "emeritus", "renewal_year": 2027, "reason": "retired"})["request_id"]
        self.certificate = self.client.get("/me/certificates/CAMT", headers=self.auth("member_self"))
        assert self.certificate.status_code == 200, self.certificate.text
        text = self.certificate.get_data()
        self.number = re.search(rb"([0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})", text)

    def auth(self, caller: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[caller]}"} if self.tokens.get(caller) else {}

    def put(self, method: str, path: str, caller: str, body: Any) -> Any:
        reply = self.client.open(path, method=method, json=body, headers=self.auth(caller))
        assert reply.status_code < 300, f"{method} {path}: {reply.status_code} {reply.get_data(as_text=True)}"
        return reply.json

    def form(self, verify: bool = False) -> str:
        """A form of M-1 worth all the CECs M-1 needs (its activities reported nowhere else)."""
        self.forms = getattr(self, "forms", 0) + 1
        activities = [{**a, "title": f"{a['title']} {self.forms}"} for a in COMPLETE]
        form_id = self.put("POST", "/me/cec-forms", "member_self", {"activities": activities})["form_id"]
        if verify:
            self.put("POST", f"/affiliate/cec-forms/{form_id}/decision", "affiliate_own", {"decision": "verify"})
        return form_id


def requests_for(world: World) -> dict[str, Callable[[str], Request]]:
    """The request each row sends, by caller where the body must differ."""
    number = world.number.group(1).decode() if world.number else "0000-0000-0000-0000"
    roster = {"title": "Fair Housing Update", "held_on": "2026-05-12", "contact_minutes": 240,
              "attendees": ["M-1", "M-2"]}
    member = {**fresh(ANA), "credentials": [{"code": "CAM", "earned_on": "2019-05-04"}]}
    rule_set_2028 = {**fresh(RULE_SET_2027), "renewal_year": 2028, "due_date": "2028-01-01",
                     "grace_ends": "2028-03-31", "earning_window": {"start": "2027-01-01", "end": "2027-12-31"}}

    def same(path: str, body: Any = None, query: str = "") -> Callable[[str], Request]:
        return lambda caller: Request(path, body, query)

    return {
        "GET /health": same("/health"),
        "GET /swagger": same("/swagger", query="format=json"),
        "GET /verify/{certificate_number}": same(f"/verify/{number}"),
        "POST /webhooks/stripe": same("/webhooks/stripe", {"id": "evt_x", "type": "charge.refunded"}),
        "GET /me": same("/me"),
        "PATCH /me/contact": same("/me/contact", {"phone": "+17195550111"}),
        "GET /me/invoices": same("/me/invoices"),
        "GET /me/invoices/{invoice_id}": same("/me/invoices/INV-2027-M-1"),
        "POST /me/invoices/{invoice_id}/checkout": same("/me/invoices/INV-2027-M-1/checkout", {}),
        "GET /me/renewals/{renewal_year}": same("/me/renewals/2027"),
        "GET /me/certificates/{code}": same("/me/certificates/CAMT"),
        "GET /me/cec-transcript": same("/me/cec-transcript", query="renewal_year=2027"),
        "POST /me/waiver-requests": lambda caller: Request("/me/waiver-requests", {
            "type": "military_deployment", "renewal_year": 2027, "reason": f"deployed ({caller})"}),
        "GET /me/waiver-requests": same("/me/waiver-requests"),
        "POST /me/uploads": same("/me/uploads", {"content_type": "application/pdf", "size_bytes": 1000}),
        "POST /me/cec-forms": same("/me/cec-forms", {"activities": [activity("Another talk", 60)]}),
        "GET /me/cec-forms": same("/me/cec-forms"),
        "GET /me/cec-forms/{form_id}": same(f"/me/cec-forms/{world.awaiting}"),
        "POST /me/cec-submissions": lambda caller: Request("/me/cec-submissions", {
            "renewal_year": 2027, "form_ids": [world.to_submit.get(caller, world.to_submit["member_self"])]}),
        "GET /me/cec-submissions": same("/me/cec-submissions"),
        "GET /me/cec-submissions/{submission_id}": same(f"/me/cec-submissions/{world.submission}"),
        "GET /affiliate/members": same("/affiliate/members"),
        "GET /affiliate/renewals": same("/affiliate/renewals", query="renewal_year=2027"),
        "GET /affiliate/cec-forms": same("/affiliate/cec-forms"),
        "POST /affiliate/cec-forms/{form_id}/decision": same(f"/affiliate/cec-forms/{world.awaiting}/decision",
                                                             {"decision": "verify"}),
        "POST /affiliate/classes/{class_id}/roster": same("/affiliate/classes/FH-1/roster", roster),
        "GET /review/cec-submissions": same("/review/cec-submissions"),
        "POST /review/cec-submissions/{submission_id}/decision": same(
            f"/review/cec-submissions/{world.submission}/decision", {"decision": "approve"}),
        "PUT /admin/rule-sets/{renewal_year}": same("/admin/rule-sets/2028", rule_set_2028),
        "GET /admin/rule-sets/{renewal_year}": same("/admin/rule-sets/2027"),
        "PUT /admin/members/{member_id}": same("/admin/members/M-9", member),
        "GET /admin/members": same("/admin/members", query="q=diaz"),
        "GET /admin/members/{member_id}": same("/admin/members/M-1"),
        "GET /admin/members/{member_id}/renewals/{renewal_year}": same("/admin/members/M-1/renewals/2027"),
        "GET /admin/members/{member_id}/history": same("/admin/members/M-1/history"),
        "GET /admin/members/{member_id}/invoices": same("/admin/members/M-1/invoices"),
        "GET /admin/members/{member_id}/cec-transcript": same("/admin/members/M-1/cec-transcript",
                                                             query="renewal_year=2027"),
        "POST /admin/members/{member_id}/waivers": same("/admin/members/M-2/waivers",
                                                        {"type": "emeritus", "renewal_year": 2027, "note": "retired"}),
        "DELETE /admin/members/{member_id}/waivers/{waiver_id}": same("/admin/members/M-2/waivers/W-M-2-2027E",
                                                                      {"note": "granted in error"}),
        "POST /admin/invoices/{invoice_id}/payments": same("/admin/invoices/INV-2027-M-2/payments", {
            "method": "check", "reference": "chk 1", "amount_cents": 17500, "received_on": "2026-11-20"}),
        "POST /admin/invoices/{invoice_id}/reinstatement-waiver": same(
            "/admin/invoices/INV-2027-M-1/reinstatement-waiver", {"note": "hardship"}),
        "GET /admin/payments": same("/admin/payments", query="needs_attention=true"),
        "GET /admin/waiver-requests": same("/admin/waiver-requests"),
        "POST /admin/waiver-requests/{request_id}/decision": same(
            f"/admin/waiver-requests/{world.request}/decision", {"decision": "reject", "note": "not retired yet"}),
        "GET /admin/renewals": same("/admin/renewals", query="renewal_year=2027"),
        "GET /admin/summary": same("/admin/summary", query="renewal_year=2027"),
        "POST /admin/invoice-runs": same("/admin/invoice-runs", {"renewal_year": 2027}),
        "GET /admin/invoice-runs/{run_id}": same(f"/admin/invoice-runs/{world.run_id}"),
        "POST /admin/deadline-runs": same("/admin/deadline-runs", {}),
        "GET /admin/deadline-runs": same("/admin/deadline-runs"),
        "GET /admin/deadline-runs/{run_id}": same(f"/admin/deadline-runs/{world.deadline_run}"),
        "POST /admin/exports": same("/admin/exports", {"renewal_year": 2027, "status": "open"}),
        "GET /admin/exports/{export_id}": same(f"/admin/exports/{world.export}"),
        "GET /admin/invoice-runs": same("/admin/invoice-runs"),
        "POST /admin/uploads": same("/admin/uploads", {"content_type": "text/csv", "size_bytes": 1000}),
        "POST /admin/imports": same("/admin/imports", {"upload_id": "I-0000000000000000", "dry_run": True}),  # none: 422
        "GET /admin/imports": same("/admin/imports"),
        "GET /admin/imports/{import_id}": same(f"/admin/imports/{'0' * 32}"),
        "POST /admin/members/{member_id}/account": same("/admin/members/M-2/account", {"email": "m-2@example.org"}),
    }


# ------------------------------------------------------------------ the route table, three ways


def template_routes() -> set[str]:
    return {f"{route['method']} {route['path']}" for function in template.functions().values()
            for route in function.http_routes}


def code_routes() -> set[str]:
    """Every route the functions' resolvers register (each app.py loaded under its own name)."""
    found = set()
    from renewal import config

    for name in config.REQUIRED:  # each handler checks its settings when loaded; routes need none
        os.environ.setdefault(name, "unused-by-the-route-list")
    for handler in sorted((ROOT / "functions").glob("*/app.py")):
        if "app = create_app()" not in handler.read_text(encoding="utf-8"):
            continue
        name = f"matrix_{handler.parent.name}"
        spec = importlib.util.spec_from_file_location(name, handler)
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(handler.parent))
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(str(handler.parent))
        for route in module.app._static_routes + module.app._dynamic_routes:
            found.add(f"{route.method} {route.openapi_path}")
    return found


def _shape(route: str) -> str:
    """A route with its parameters unnamed: docs may write {id} for {member_id}."""
    return re.sub(r"\{[^}]+\}", "{}", route)


def data_model_routes() -> set[str]:
    """The routes docs/data-model.md's access-pattern table names, their parameters unnamed."""
    text = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    found = set()
    for row in text.splitlines():
        if not row.startswith("| `"):
            continue
        first_cell = row.split("|")[1]
        for route in re.findall(r"`((?:GET|PUT|POST|PATCH|DELETE) [^`]+)`", first_cell):
            route = re.sub(r"\[?\?[^\]]*\]?$", "", route.strip())  # the query (`?q=`, `[?q=]`) is no part of the route
            optional = re.search(r"\[([^\]]+)\]", route)
            variants = [route.replace(optional.group(0), ""), route.replace(optional.group(0), optional.group(1))] \
                if optional else [route]
            found.update(_shape(variant) for variant in variants)
    return found


def test_the_template_the_code_and_the_data_model_name_the_same_routes():
    routed = template_routes()
    assert code_routes() == routed, "template.yaml and the functions' code must route the same requests"
    documented = data_model_routes()
    missing = sorted(route for route in routed if _shape(route) not in documented and route != "GET /swagger")
    assert not missing, f"routes without their row in docs/data-model.md: {missing}"


def test_every_route_has_its_row_in_the_matrix():
    assert sorted(template_routes() - set(MATRIX)) == [], "add the new route's row to MATRIX"
    assert sorted(set(MATRIX) - template_routes()) == [], "MATRIX names a route nobody serves"
    assert all(len(row) == len(CALLERS) for row in MATRIX.values())


# ------------------------------------------------------------------ the matrix


@pytest.fixture
def gateway_client(aws, monkeypatch):
    from renewal.adapters import stripe_gateway

    monkeypatch.setenv("PORTAL_ORIGINS", "https://portal.example.org")
    sessions: dict[str, str] = {}

    def create_checkout_session(**params):
        session_id = f"cs_matrix_{len(sessions) + 1}"
        sessions[session_id] = "open"
        return f"https://checkout.stripe.test/{session_id}", session_id

    monkeypatch.setattr(stripe_gateway, "create_checkout_session", create_checkout_session)
    monkeypatch.setattr(stripe_gateway, "checkout_session",
                        lambda session_id: (sessions[session_id], f"https://checkout.stripe.test/{session_id}"))
    monkeypatch.setattr(stripe_gateway, "expire_checkout_session",
                        lambda session_id: sessions.__setitem__(session_id, "expired") or "expired")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    authority = Authority(key, ISSUER, AUDIENCE)
    stranger = Authority(rsa.generate_private_key(public_exponent=65537, key_size=2048), ISSUER, AUDIENCE)
    tokens = {
        "none": None,
        "forged": stranger.mint("staff-x", ["naaei"]),  # right shape and claims, signed by someone else
        "expired": authority.mint("staff-x", ["naaei"], lifetime_s=-60),
        "member_self": authority.mint("user-M-1", ["member"], "M-1"),
        "member_other": authority.mint("user-M-2", ["member"], "M-2"),
        "affiliate_own": authority.mint("officer-aasc", ["affiliate"], affiliate="AASC"),
        "affiliate_other": authority.mint("officer-bbb", ["affiliate"], affiliate="BBB"),
        "member_affiliate_self": authority.mint("user-M-1", ["member", "affiliate"], "M-1", "AASC"),
        "naaei": authority.mint("staff-1", ["naaei"]),
    }
    assert QUEUES  # the aws fixture made the template's queues
    return Client(Gateway(Invoker(template.functions()), authority)), tokens


def test_every_route_answers_every_caller_as_the_matrix_says(gateway_client):
    client, tokens = gateway_client
    world = World(client, tokens)
    requests = requests_for(world)
    assert set(requests) == set(MATRIX), "every row needs its request"
    actual: dict[str, tuple[int, ...]] = {}
    for route in MATRIX:  # in the table's order: grants before revocations, the world before decisions
        method = route.split(" ", 1)[0]
        statuses = []
        for caller in CALLERS:
            request = requests[route](caller)
            reply = client.open(request.path, method=method, query_string=request.query,
                                headers=world.auth(caller), data=None if request.body is None else json.dumps(
                                    request.body), content_type="application/json")
            statuses.append(reply.status_code)
        actual[route] = tuple(statuses)
    wrong = {route: {"expected": MATRIX[route], "actual": actual[route]} for route in MATRIX
             if actual[route] != MATRIX[route]}
    assert not wrong, "\n" + "\n".join(f"{route}\n  expected {cells['expected']}\n  actual   {cells['actual']}"
                                       for route, cells in wrong.items())
