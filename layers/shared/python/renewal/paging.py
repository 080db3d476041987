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


def newest_first(partition: str, sk_prefix: str, *, at: str, id_field: str, limit: int,
                 next_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """One page, newest first, of a member's records whose keys do not sort by
    time (ids end in a random suffix). A member has few of them (submissions,
    waiver requests), so the prefix is read whole and ordered by `at`; the token
    names the last record returned, so a page never repeats or skips one."""
    from renewal.adapters import store

    cursor = decode(next_token)
    before = (cursor.get("at", ""), cursor.get("id", "")) if cursor else None
    records = sorted(store.query_all(partition, sk_prefix=sk_prefix),
                     key=lambda r: (str(r.get(at, "")), str(r[id_field])), reverse=True)
    if before is not None:
        records = [r for r in records if (str(r.get(at, "")), str(r[id_field])) < before]
    page_, rest = records[:limit], records[limit:]
    last = page_[-1] if page_ and rest else None
    return page_, encode({"at": str(last.get(at, "")), "id": str(last[id_field])} if last else None)
