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

    items, last = store.query_partition(partition, limit=limit, start_key=decode(next_token), **query)
    return items, encode(last)
