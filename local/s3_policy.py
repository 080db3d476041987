"""S3's checks on a browser upload (a presigned POST), which moto skips.

A presigned POST carries a signed policy: an expiry and conditions on the
form's fields (the bucket, the object key, the content type) and on the file's
size. S3 refuses an upload that breaks any of them; moto stores whatever it is
sent. This WSGI middleware sits in front of the local stack's moto server and
refuses such uploads as S3 does (403 AccessDenied, 400 EntityTooLarge /
EntityTooSmall, with S3's XML error body), so what works locally works on AWS.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import os
from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from local.atomic import OneTableCallAtATime

# Fields S3 does not require the policy to name.
UNCOVERED = {"policy", "x-amz-signature", "file"}


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def check(bucket: str, fields: dict[str, str], size: int, secret: str, now: dt.datetime) -> None:
    """Raises Refused when S3 would refuse this upload."""
    policy_b64 = fields.get("policy")
    if not policy_b64:
        return  # not a policy upload: nothing S3 would check here
    credential = fields.get("x-amz-credential", "")
    parts = credential.split("/")
    if len(parts) != 5 or fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
        raise Refused(403, "AccessDenied", "Invalid according to Policy: unsupported signature.")
    _, date, region, service, _ = parts
    expected = hmac.new(_signing_key(secret, date, region, service), policy_b64.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
        raise Refused(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the "
                                                    "signature you provided.")
    try:
        policy = json.loads(base64.b64decode(policy_b64))
        expires = dt.datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except (ValueError, KeyError, TypeError) as error:
        raise Refused(400, "InvalidPolicyDocument", "Invalid Policy: could not read it.") from error
    if now > expires:
        raise Refused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    values = {name.lower(): value for name, value in fields.items()} | {"bucket": bucket}
    covered = {"bucket"}
    for condition in policy.get("conditions", []):
        if isinstance(condition, dict):
            for name, value in condition.items():
                _require(values.get(name.lower()) == value, ["eq", f"${name}", value])
                covered.add(name.lower())
        elif condition[0] == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if size > high:
                raise Refused(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
            if size < low:
                raise Refused(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size.")
        else:
            operator, name, value = condition
            field = name.lstrip("$").lower()
            actual = values.get(field)
            _require(actual is not None and (actual == value if operator == "eq" else actual.startswith(value)),
                     condition)
            covered.add(field)
    extra = sorted(name for name in values if name not in covered and name not in UNCOVERED
                   and not name.startswith("x-ignore-"))
    if extra:
        raise Refused(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")


def _require(holds: bool, condition: Any) -> None:
    if not holds:
        raise Refused(403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}")


class PostPolicyMiddleware:
    """Checks presigned POST uploads before moto's app sees them."""

    def __init__(self, app: Callable[..., Iterable[bytes]], now: Callable[[], dt.datetime] | None = None):
        self.app = app
        self.now = now or (lambda: dt.datetime.now(dt.UTC))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or not environ.get("CONTENT_TYPE", "").startswith(
                "multipart/form-data"):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        form = Request({**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
        bucket = environ.get("PATH_INFO", "/").strip("/").split("/", 1)[0]
        upload = form.files.get("file")
        try:
            check(bucket, dict(form.form.items()), len(upload.read()) if upload else 0,
                  os.environ.get("AWS_SECRET_ACCESS_KEY", ""), self.now())
        except Refused as refused:
            xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{refused.code}</Code>'
                   f"<Message>{escape(str(refused))}</Message></Error>")
            return Response(xml, status=refused.status, content_type="application/xml")(environ, start_response)
        environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        return self.app(environ, start_response)


class MotoServer(ThreadedMotoServer):
    """moto's threaded server with S3's POST policy checks in front of it, and
    DynamoDB's calls one at a time (local.atomic)."""

    def _server_entry(self) -> None:  # as ThreadedMotoServer's, with the middleware around the app
        app = OneTableCallAtATime(PostPolicyMiddleware(DomainDispatcherApplication(create_backend_app)))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
