"""Going live over HTTP against the local stack: staff upload a member file,
dry-run it, import it, and a member whose e-mail is on file signs up in the
user pool and lands on their own record with no staff action."""

from __future__ import annotations

import time

import jwt
import pytest
import requests

pytestmark = pytest.mark.xdist_group("e2e")

HEADER = ("member_id,first_name,last_name,email,phone,address_line1,address_line2,city,state,postal_code,country,"
          "affiliate,credentials,renewed_through")


# The session's stack is shared: ids that sort after every other e2e test's keep
# these members off the first pages of their reports.
def member_file(count: int) -> bytes:
    rows = [f"E2E-ZGL-{n:03d},Gwen,\"Núñez {n}\",gl{n}@example.org,,,,,,,,AASC,CAM:2019-05-04,2026"
            for n in range(count)]
    return ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")


def wait_for(client, staff, import_id, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.request("GET", f"/admin/imports/{import_id}", token=staff).json()
        if run["status"] != "running":
            return run
        time.sleep(0.3)
    raise AssertionError(f"import {import_id} still running: {run}")


def test_import_fifty_members_then_one_signs_up_and_sees_their_record(client):
    staff = client.staff_token()
    data = member_file(50)
    target = client.request("POST", "/admin/uploads", token=staff,
                            json={"content_type": "text/csv", "size_bytes": len(data)}).json()
    sent = requests.post(target["url"], data=target["fields"], files={"file": ("members.csv", data)}, timeout=10)
    assert sent.status_code in (200, 204), sent.text

    counts = ("status", "rows", "created", "updated", "unchanged", "rejected")
    for dry_run, expected in ((True, ("completed", 50, 50, 0, 0, 0)), (False, ("completed", 50, 50, 0, 0, 0)),
                              (False, ("completed", 50, 0, 0, 50, 0))):
        started = client.request("POST", "/admin/imports", token=staff,
                                 json={"upload_id": target["upload_id"], "dry_run": dry_run})
        assert started.status_code == 202, started.text
        run = wait_for(client, staff, started.json()["import_id"])
        assert tuple(run[k] for k in counts) == expected, run

    signed_up = requests.post(f"{client.url}/_local/user-pool/sign-up", json={"email": "GL7@Example.org"}, timeout=20)
    assert signed_up.status_code == 201, signed_up.text
    assert signed_up.json()["claims"]["member_id"] == "E2E-ZGL-007"
    me = client.request("GET", "/me", token=signed_up.json()["access_token"])
    assert me.status_code == 200 and me.json()["last_name"] == "Núñez 7"
    assert me.json()["credentials"][0]["renewed_through"] == 2026

    stranger = requests.post(f"{client.url}/_local/user-pool/sign-up", json={"email": "gl-stranger@example.org"},
                             timeout=20).json()
    refused = client.request("GET", "/me", token=stranger["access_token"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_not_linked"


def test_sign_up_on_the_local_sign_in_page_gives_tokens_with_the_pools_claims(client):
    from .test_local_sign_in import PREFIX, code_of, exchange, pkce

    staff = client.staff_token()
    body = {"first_name": "Uma", "last_name": "Signup", "contact": {"email": "uma.signup@example.org"},
            "credentials": [{"code": "CAM", "earned_on": "2019-05-04"}]}
    assert client.request("PUT", "/admin/members/E2E-ZGL-UMA", token=staff, json=body).status_code in (200, 201)
    config = client.request("GET", "/config.json").json()
    verifier, challenge = pkce()
    params = {"response_type": "code", "client_id": config["clientId"], "scope": "openid email",
              "redirect_uri": f"{client.url}/auth/callback", "state": "st-1", "code_challenge": challenge,
              "code_challenge_method": "S256"}
    page = requests.get(f"{client.url}{PREFIX}/signup", params=params, timeout=10)
    assert page.status_code == 200 and 'name="email"' in page.text and ">Create account</button>" in page.text
    signed_up = requests.post(f"{client.url}{PREFIX}/signup", params=params, data={"email": "Uma.Signup@example.org"},
                              allow_redirects=False, timeout=20)
    tokens = exchange(client, code_of(signed_up), verifier).json()
    me = client.request("GET", "/me", token=tokens["id_token"])
    assert me.status_code == 200 and me.json()["member_id"] == "E2E-ZGL-UMA"
    assert client.request("GET", "/admin/members/E2E-ZGL-UMA", token=staff).json()["account"]["status"] == "linked"

    again = requests.post(f"{client.url}{PREFIX}/signup", params=params, data={"email": "uma.signup@example.org"},
                          timeout=20)
    assert again.status_code == 422 and "exists already" in again.text
    # Later sign-ins by e-mail on the sign-in page carry the same claims.
    verifier, challenge = pkce()
    signed_in = requests.post(f"{client.url}{PREFIX}/oauth2/authorize", data={"email": "uma.signup@example.org"},
                              params={**params, "code_challenge": challenge}, allow_redirects=False, timeout=10)
    claims = jwt.decode(exchange(client, code_of(signed_in), verifier).json()["id_token"],
                        options={"verify_signature": False})
    assert (claims["custom:member_id"], claims["cognito:groups"]) == ("E2E-ZGL-UMA", ["member"])
    assert claims["email"] == "uma.signup@example.org"  # as Cognito's ID token has it with the email scope
    unknown = requests.post(f"{client.url}{PREFIX}/oauth2/authorize", data={"email": "nobody-here@example.org"},
                            params=params, timeout=10)
    assert unknown.status_code == 422 and "No account has this e-mail" in unknown.text
