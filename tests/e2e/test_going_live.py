"""Going live over HTTP against the local stack: staff upload a member file,
dry-run it, import it, and a member whose e-mail is on file signs up in the
user pool and lands on their own record with no staff action."""

from __future__ import annotations

import time

import pytest
import requests

pytestmark = pytest.mark.xdist_group("e2e")

HEADER = ("member_id,first_name,last_name,email,phone,address_line1,address_line2,city,state,postal_code,country,"
          "affiliate,credentials,renewed_through")


def member_file(count: int) -> bytes:
    rows = [f"E2E-GL-{n:03d},Gwen,\"Núñez {n}\",gl{n}@example.org,,,,,,,,AASC,CAM:2019-05-04,2026"
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
    assert signed_up.json()["claims"]["member_id"] == "E2E-GL-007"
    me = client.request("GET", "/me", token=signed_up.json()["access_token"])
    assert me.status_code == 200 and me.json()["last_name"] == "Núñez 7"
    assert me.json()["credentials"][0]["renewed_through"] == 2026

    stranger = requests.post(f"{client.url}/_local/user-pool/sign-up", json={"email": "gl-stranger@example.org"},
                             timeout=20).json()
    refused = client.request("GET", "/me", token=stranger["access_token"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_not_linked"
