"""A browser upload to the local stack meets the checks S3 makes on a presigned
POST (moto alone skips them): the key, the content type and the size the
policy names, the signature over the policy, and its expiry."""

from __future__ import annotations

import pytest
import requests

from .stack import Client
from .test_local_stack import new_member

pytestmark = pytest.mark.xdist_group("e2e")

PDF = b"%PDF-1.7\n" + b"0" * 100


def start(client: Client, token: str, size: int = len(PDF), content_type: str = "application/pdf") -> dict:
    reply = client.request("POST", "/me/uploads", token=token, json={"content_type": content_type, "size_bytes": size})
    assert reply.status_code == 201, reply.text
    return reply.json()


def post(upload: dict, body: bytes = PDF, content_type: str = "application/pdf", **changed: str) -> requests.Response:
    fields = {**upload["fields"], **changed}
    return requests.post(upload["url"], data=fields, files={"file": ("scan", body, content_type)}, timeout=10)


def s3_error(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert "<Error>" in response.text
    return response.text


def test_an_upload_that_breaks_its_policy_is_refused_as_s3_refuses_it(client: Client) -> None:
    token = client.member_token(new_member(client, first_name="Policy"))
    upload = start(client, token)

    assert "Policy Condition failed" in s3_error(post(upload, **{"Content-Type": "text/html"}), 403)
    assert "Policy Condition failed" in s3_error(post(upload, key="uploads/someone-else/x"), 403)
    assert "EntityTooLarge" in s3_error(post(upload, b"\0" * (10 * 1024 * 1024 + 1)), 400)
    assert "EntityTooSmall" in s3_error(post(upload, b""), 400)
    assert "SignatureDoesNotMatch" in s3_error(post(upload, policy=upload["fields"]["policy"][:-4] + "AAAA"), 403)
    assert "Extra input fields" in s3_error(post(upload, acl="public-read"), 403)
    # Nothing of the refused ones was stored: the form cannot name the upload yet.
    form = {"activities": [{"type": "conference", "title": "Expo", "provider": "NAA", "completed_on": "2026-06-20",
                            "contact_minutes": 90}], "document_upload_id": upload["upload_id"]}
    assert client.request("POST", "/me/cec-forms", token=token, json=form).status_code == 422

    assert post(upload).status_code == 204
    assert client.request("POST", "/me/cec-forms", token=token, json=form).status_code == 201
