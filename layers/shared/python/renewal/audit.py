"""The audit trail: who did what, when, and what changed.

Entries are written in the same transaction as the change they describe, so a
change is never recorded without its entry, nor an entry without its change.
An import writes members in bulk without transactions: its entry is derived
from the import's mark on the profile (renewal.imports) under a key of its own,
and written again until it stands, so it is never lost either. A sign-in
account's entry goes with the account's record in one batch write: the change
itself happened in the user pool, outside any table transaction.
"""

import uuid
from typing import Any

from renewal import clock, keys
from renewal.adapters import store
from renewal.auth import Principal
from renewal.model import Model


# Changes made on behalf of nobody in particular (a verified Stripe event, a schedule).
SYSTEM = Principal(sub="system", groups=frozenset({"system"}))


class AuditEntry(Model):
    at: str
    actor: str
    action: str
    changes: dict[str, Any]


def entry_record(actor: str, *, history_pk: str, action: str, changes: dict[str, Any], at: str | None = None,
                 audit_id: str | None = None, **extra: Any) -> dict[str, Any]:
    at = at or clock.now_precise_iso()
    return {**keys.audit_key(history_pk, at, audit_id or uuid.uuid4().hex[:12]), "at": at, "actor": actor,
            "action": action, "changes": changes, **extra}


def entry_op(principal: Principal, *, history_pk: str, action: str, changes: dict[str, Any]) -> dict[str, Any]:
    return store.put_op(entry_record(principal.actor, history_pk=history_pk, action=action, changes=changes))


def diff(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Changed fields as {"a.b": {"from": old, "to": new}}, nested dicts flattened."""
    changes: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        path = f"{prefix}{name}"
        if isinstance(old, dict | None) and isinstance(new, dict | None) and (old or new):
            changes.update(diff(old or {}, new or {}, f"{path}."))
        elif old != new:
            changes[path] = {"from": old, "to": new}
    return changes


class History(Model):
    items: list[AuditEntry]
    next_token: str | None = None


def member_history(principal: Principal, member_id: str, limit: int, next_token: str | None) -> History:
    """Staff actions and contact changes on one member, oldest first."""
    from renewal import paging

    principal.require_staff()
    if store.get(keys.member_key(member_id)) is None:
        from renewal.errors import NotFound

        raise NotFound(f"No member {member_id}.")
    items, token = paging.page(keys.member_history_pk(member_id), limit=limit, next_token=next_token)
    return History(items=[AuditEntry(**{k: i[k] for k in ("at", "actor", "action", "changes")}) for i in items],
                   next_token=token)
