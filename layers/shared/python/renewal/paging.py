"""List pagination: `next_token` carries DynamoDB's LastEvaluatedKey, opaque to
clients and signed.

The signature (HMAC-SHA256 with a key from configuration) covers the key and
the list it came from, so a client can neither forge a starting key (one that
lacks key attributes would make DynamoDB refuse the query) nor carry a token
from one list (another member's, another status) to another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from renewal import config
from renewal.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_SIGNATURE_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


def _sign(list_name: str, payload: bytes) -> bytes:
    message = list_name.encode() + b"\n" + payload
    return hmac.new(config.page_token_key().encode(), message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def encode(last_key: dict[str, Any] | None, list_name: str = "") -> str | None:
    if not last_key:
        return None
    payload = json.dumps(last_key, sort_keys=True, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_sign(list_name, payload))}"


def decode(token: str | None, list_name: str = "") -> dict[str, Any] | None:
    if not token:
        return None
    refused = ValidationFailed("next_token is not one this API gave out for this list.",
                               details=[{"field": "next_token", "in": "query"}])
    body, _, signature = token.partition(".")
    try:
        payload, given = _unb64(body), _unb64(signature)
    except (binascii.Error, ValueError):
        raise refused from None
    if not hmac.compare_digest(given, _sign(list_name, payload)):
        raise refused
    value = json.loads(payload)
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise refused  # signed by us, so never; kept as a guard on what reaches DynamoDB
    return value


def page(partition: str, *, limit: int, next_token: str | None, **query: Any) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a partition (`index=`, `sk_prefix=` as store.query_partition) and the token of the next."""
    from renewal.adapters import store

    list_name = json.dumps([partition, query.get("index"), query.get("sk_prefix")])
    items, last = store.query_partition(partition, limit=limit, start_key=decode(next_token, list_name), **query)
    return items, encode(last, list_name)


def newest_first(partition: str, sk_prefix: str, *, at: str, id_field: str, limit: int,
                 next_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """One page, newest first, of a member's records whose keys do not sort by
    time (ids end in a random suffix). A member has few of them (submissions,
    waiver requests), so the prefix is read whole and ordered by `at`; the token
    names the last record returned, so a page never repeats or skips one."""
    from renewal.adapters import store

    list_name = json.dumps([partition, "newest first", sk_prefix])
    cursor = decode(next_token, list_name)
    before = (cursor.get("at", ""), cursor.get("id", "")) if cursor else None
    records = sorted(store.query_all(partition, sk_prefix=sk_prefix),
                     key=lambda r: (str(r.get(at, "")), str(r[id_field])), reverse=True)
    if before is not None:
        records = [r for r in records if (str(r.get(at, "")), str(r[id_field])) < before]
    page_, rest = records[:limit], records[limit:]
    last = page_[-1] if page_ and rest else None
    return page_, encode({"at": str(last.get(at, "")), "id": str(last[id_field])} if last else None, list_name)
