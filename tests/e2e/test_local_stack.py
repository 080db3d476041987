"""The local stack over HTTP, as a web form, a staff tool or curl would use it."""

from __future__ import annotations

import base64
import json
import datetime as dt
import time
from zoneinfo import ZoneInfo
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from local import auth

from .stack import Client

pytestmark = pytest.mark.xdist_group("e2e")

UNAUTHORIZED = {"message": "Unauthorized"}


def member_body(**overrides):
    body = {
        "first_name": "Ana",
        "last_name": "Diaz",
        "affiliate": "AASC",
        "contact": {
            "email": "ana@example.org",
            "phone": "+17195550100",
            "address": {"line1": "1 Main St", "line2": None, "city": "Colorado Springs", "state": "CO",
                        "postal_code": "80903", "country": "US"},
        },
        "credentials": [{"code": "CAM", "earned_on": "2019-05-04"}, {"code": "NALP", "earned_on": "2021-09-17"}],
    }
    body.update(overrides)
    return body


def new_member(client: Client, **overrides) -> str:
    member_id = f"M-{uuid.uuid4().hex[:8]}"
    response = client.request("PUT", f"/admin/members/{member_id}", token=client.staff_token(),
                              json=member_body(**overrides))
    assert response.status_code == 201, response.text
    return member_id


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    if code:
        assert error["code"] == code
    return error


# ------------------------------------------------------------------ basics
def test_health_needs_no_token(client: Client) -> None:
    response = client.request("GET", "/health")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    # The portal reckons "this renewal year" from the API's day, which /_local/clock moves.
    assert response.json()["today"] == client.request("GET", "/_local/clock").json()["today"]


def test_unknown_route_answers_in_the_error_shape(client: Client) -> None:
    assert_error(client.request("GET", "/no/such/route"), 404, "not_found")
    assert_error(client.request("GET", "/_local/nothing"), 404, "not_found")


def test_known_path_with_a_wrong_method_is_405(client: Client) -> None:
    assert_error(client.request("DELETE", "/health"), 405)


# ------------------------------------------------------------------ tokens and the authorizer
def test_token_carries_the_claims_cognito_would(client: Client) -> None:
    response = client.request("POST", "/_local/token",
                              json={"sub": "u-1", "groups": ["member"], "member_id": "M-1", "affiliate": "AASC"})

    assert response.status_code == 200
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "u-1"
    assert claims["cognito:groups"] == ["member"]
    assert claims["custom:member_id"] == "M-1"
    assert claims["custom:affiliate"] == "AASC"
    assert claims["token_use"] == "id"
    assert claims["iss"].startswith("https://cognito-idp.us-east-1.amazonaws.com/")
    assert claims["aud"]
    assert claims["exp"] - claims["iat"] == 12 * 3600


def test_token_without_affiliate_has_no_affiliate_claim(client: Client) -> None:
    claims = jwt.decode(client.token("staff-1", ["naaei"]), options={"verify_signature": False})

    assert "custom:affiliate" not in claims and "custom:member_id" not in claims


@pytest.mark.parametrize("body", [{"groups": ["member"]}, {"sub": "u", "groups": ["admin"]},
                                  {"sub": "u", "groups": "member"}, {"sub": "u", "group": ["member"]}])
def test_token_request_is_validated(client: Client, body: dict) -> None:
    error = assert_error(client.request("POST", "/_local/token", json=body), 422, "validation_error")

    assert error["details"]


def test_token_request_must_be_json(client: Client) -> None:
    assert_error(client.request("POST", "/_local/token", data="{sub", headers={"Content-Type": "application/json"}),
                 400, "malformed_json")


def test_missing_token_is_401_before_any_handler(client: Client) -> None:
    response = client.request("GET", "/me")

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_token_signed_by_another_key_is_401(client: Client) -> None:
    genuine = jwt.decode(client.member_token("M-1"), options={"verify_signature": False})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(genuine, other_key, algorithm="RS256")

    response = client.request("GET", "/me", token=forged)

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_tampered_token_is_401(client: Client) -> None:
    header, payload, signature = client.member_token("M-1").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["naaei"]
    tampered_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    response = client.request("GET", "/admin/members/M-1", token=f"{header}.{tampered_payload}.{signature}")

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def _stored_key_authority(client: Client) -> auth.Authority:
    """Signs with the stack's own key, to reach the expiry, issuer and audience checks."""
    claims = jwt.decode(client.member_token("M-1"), options={"verify_signature": False})
    key = auth.load_or_create_key(client.server.state_dir)
    return auth.Authority(key, claims["iss"], [claims["aud"]])


def test_expired_token_is_401(client: Client) -> None:
    expired = _stored_key_authority(client).mint("u-1", ["member"], "M-1", lifetime_s=-60)

    response = client.request("GET", "/me", token=expired)

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


@pytest.mark.parametrize("field", ["iss", "aud"])
def test_token_for_another_issuer_or_audience_is_401(client: Client, field: str) -> None:
    authority = _stored_key_authority(client)
    if field == "iss":
        authority.issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"
    else:
        authority.audience = ["another-client"]

    response = client.request("GET", "/me", token=authority.mint("u-1", ["member"], "M-1"))

    assert response.status_code == 401


def test_member_token_on_a_staff_route_is_403(client: Client) -> None:
    assert_error(client.request("GET", "/admin/members/M-1", token=client.member_token("M-1")), 403)


# ------------------------------------------------------------------ members
def test_unknown_member_is_404(client: Client) -> None:
    assert_error(client.request("GET", "/admin/members/M-nobody", token=client.staff_token()), 404)


def test_malformed_json_is_400(client: Client) -> None:
    response = client.request("PUT", "/admin/members/M-1", token=client.staff_token(), data="{not json",
                              headers={"content-type": "application/json"})

    assert_error(response, 400)


def test_invalid_member_is_422_with_details(client: Client) -> None:
    response = client.request("PUT", "/admin/members/M-bad", token=client.staff_token(),
                              json=member_body(contact={"email": "not-an-email", "phone": "12"}))

    error = assert_error(response, 422, "validation_error")
    assert error["details"]


def test_member_upsert_creates_then_replaces_and_the_member_reads_it(client: Client) -> None:
    member_id = f"M-{uuid.uuid4().hex[:8]}"
    staff = client.staff_token()

    created = client.request("PUT", f"/admin/members/{member_id}", token=staff, json=member_body())
    replaced = client.request("PUT", f"/admin/members/{member_id}", token=staff, json=member_body(last_name="Díaz"))
    me = client.request("GET", "/me", token=client.member_token(member_id))

    assert created.status_code == 201, created.text
    assert replaced.status_code == 200, replaced.text
    assert me.status_code == 200, me.text
    assert me.json()["member_id"] == member_id
    assert me.json()["last_name"] == "Díaz"
    assert [c["code"] for c in me.json()["credentials"]] == ["CAM", "CALP"]


def test_member_patches_own_contact(client: Client) -> None:
    member_id = new_member(client)
    token = client.member_token(member_id)

    patched = client.request("PATCH", "/me/contact", token=token, json={"phone": "(719) 555-0123"})
    bad = client.request("PATCH", "/me/contact", token=token, json={"email": "nope"})
    unknown = client.request("PATCH", "/me/contact", token=token, json={"fax": "+17195550100"})

    assert patched.status_code == 200, patched.text
    assert patched.json()["contact"]["phone"] == "+17195550123"
    assert patched.json()["contact"]["email"] == "ana@example.org"
    assert_error(bad, 422)
    assert_error(unknown, 422)


# ------------------------------------------------------------------ local helpers
def test_clock_can_be_set_shown_and_restored(client: Client) -> None:
    try:
        put = client.request("PUT", "/_local/clock", json={"today": "2027-04-01"})
        shown = client.request("GET", "/_local/clock")
        deleted = client.request("DELETE", "/_local/clock")
    finally:
        client.request("DELETE", "/_local/clock")

    assert put.status_code == 200 and put.json()["today"] == "2027-04-01"
    assert shown.json() == {"today": "2027-04-01", "overridden": True}
    assert deleted.status_code == 200
    assert deleted.json()["overridden"] is False
    # The real date is the institute's (America/New_York by default), not UTC's.
    institute_today = dt.datetime.now(ZoneInfo("America/New_York")).date().isoformat()
    assert deleted.json()["today"] == institute_today


def test_clock_moves_the_domain_date_the_handlers_use(client: Client) -> None:
    """A credential earned "in the future" is refused; moving the clock makes the same date the past."""
    staff = client.staff_token()
    future = {"credentials": [{"code": "CAM", "earned_on": "2030-01-02"}]}
    try:
        refused = client.request("PUT", "/admin/members/M-clock", token=staff, json=member_body(**future))
        client.request("PUT", "/_local/clock", json={"today": "2030-06-01"})
        accepted = client.request("PUT", "/admin/members/M-clock", token=staff, json=member_body(**future))
    finally:
        client.request("DELETE", "/_local/clock")

    assert refused.status_code == 422, refused.text
    assert accepted.status_code == 201, accepted.text


def test_clock_body_is_validated(client: Client) -> None:
    assert_error(client.request("PUT", "/_local/clock", json={"today": "April 1st"}), 422, "validation_error")
    assert_error(client.request("PUT", "/_local/clock", data="[]", headers={"Content-Type": "application/json"}), 400)


def test_outbox_lists_sent_mail(client: Client) -> None:
    response = client.request("GET", "/_local/outbox")

    assert response.status_code == 200
    items = response.json()["items"]
    assert isinstance(items, list)
    for item in items:
        assert set(item) >= {"to", "subject", "text", "sent_at"}


def test_unknown_schedule_is_404(client: Client) -> None:
    assert_error(client.request("POST", "/_local/schedules/no-such-schedule"), 404, "not_found")


# ------------------------------------------------------------------ persistence
def test_data_clock_and_tokens_survive_a_restart(client: Client) -> None:
    member_id = new_member(client, first_name="Persisted")
    token = client.member_token(member_id)
    client.request("PUT", "/_local/clock", json={"today": "2027-02-01"})

    exit_code = client.server.restart()

    try:
        me = client.request("GET", "/me", token=token)  # minted before the restart
        clock = client.request("GET", "/_local/clock")
    finally:
        client.request("DELETE", "/_local/clock")
    assert exit_code == 0, client.server.output()
    assert me.status_code == 200, me.text
    assert me.json()["first_name"] == "Persisted"
    assert clock.json() == {"today": "2027-02-01", "overridden": True}


# ------------------------------------------------------------------ CORS (template.yaml's CorsConfiguration)
def test_preflight_is_answered_before_the_authorizer_for_a_portal_origin(client: Client) -> None:
    response = client.request("OPTIONS", "/me", headers={"Origin": "https://portal.example.org",
                                                         "Access-Control-Request-Method": "PATCH"})

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://portal.example.org"
    assert "PATCH" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"]


def test_responses_carry_cors_headers_only_for_allowed_origins(client: Client) -> None:
    allowed = client.request("GET", "/health", headers={"Origin": "https://portal.example.org"})
    other = client.request("GET", "/health", headers={"Origin": "https://evil.example.com"})

    assert allowed.headers["access-control-allow-origin"] == "https://portal.example.org"
    assert "access-control-allow-origin" not in other.headers


def test_an_uploaded_document_survives_a_restart(client: Client) -> None:
    """A member uploads straight to S3 with the presigned POST; the object is kept
    with the rest of the state, so a form can still reference it after a restart."""
    member_id = new_member(client, first_name="Uploader")
    token = client.member_token(member_id)
    upload = client.request("POST", "/me/uploads", token=token,
                            json={"content_type": "application/pdf", "size_bytes": 9})
    assert upload.status_code == 201, upload.text
    posted = requests.post(upload.json()["url"], data=upload.json()["fields"],
                           files={"file": ("scan.pdf", b"%PDF-1.7\n", "application/pdf")}, timeout=10)
    assert posted.status_code in (200, 201, 204), posted.text

    assert client.server.restart() == 0, client.server.output()

    form = client.request("POST", "/me/cec-forms", token=token, json={
        "activities": [{"type": "conference", "title": "Expo session", "provider": "NAA",
                        "completed_on": "2026-06-20", "contact_minutes": 90, "break_minutes": 0}],
        "document_upload_id": upload.json()["upload_id"]})
    assert form.status_code == 201, form.text
    assert form.json()["document_upload_id"] == upload.json()["upload_id"]
