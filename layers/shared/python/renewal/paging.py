"""List pagination: `next_token` is DynamoDB's LastEvaluatedKey, opaque to clients."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from renewal.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, sort_keys=True).encode()).decode().rstrip("=")


def decode(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValidationFailed("next_token is not one this API gave out.", details=[{"field": "next_token"}])
    return value


def page(partition: str, *, limit: int, next_token: str | None, **query: Any) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a partition (`index=`, `sk_prefix=` as store.query_partition) and the token of the next."""
    from renewal.adapters import store

    start = decode(next_token)
    index = query.get("index")
    pk_name, sk_name = (f"{index}PK", f"{index}SK") if index else ("PK", "SK")
    if start and (start.get(pk_name) != partition or not start.get(sk_name, "").startswith(query.get("sk_prefix") or "")):
        # A token from another list (or another query) would make DynamoDB refuse the call.
        raise ValidationFailed("next_token belongs to another list or query.", details=[{"field": "next_token"}])
    items, last = store.query_partition(partition, limit=limit, start_key=start, **query)
    return items, encode(last)
