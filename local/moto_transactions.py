"""DynamoDB transactions on moto at the cost DynamoDB charges: the items they touch.

moto backs a TransactWriteItems up by deep-copying every table it touches,
once per item of the transaction, so that it can put the old tables back if
one item fails. The cost grows with the table (and with its stream, which the
copy includes): at 10,000 members a three-item transaction took seconds, so a
deadline run's start, a payment or a review on the local stack slowed as the
table grew, which DynamoDB does not do.

`install()` keeps moto's transaction code (its condition checks, its errors,
its all-or-nothing answer) and changes only the backup: before the call it
copies the items the transaction names and notes how long each touched
table's stream is; moto's own table copy becomes a reference to the same
table; when the transaction is cancelled, the named items are put back as
they were and the stream loses the records the cancelled writes appended.
A transaction only ever writes the items it names, so this rollback is as
complete as moto's, and it no longer undoes what other requests wrote to the
same table meanwhile (moto's swap of the whole table did).

The local stack and the benchmarks install it; the tests of this module prove
a cancelled transaction leaves items and stream exactly as they were.
"""

from __future__ import annotations

import copy
import threading
import types
from typing import Any

from moto.dynamodb import models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_installed = threading.Lock()
_state = {"installed": False}


def _deepcopy_sharing_tables(value: Any, memo: dict[int, Any] | None = None) -> Any:
    # The only deep copy of a Table in the transaction code is the backup.
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _named_key(table: Table, kind: str, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None] | None:
    attrs = op.get("Item") if kind == "Put" else op.get("Key")
    try:
        hash_value = DynamoType(attrs[table.hash_key_attr])
        range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    except (KeyError, TypeError):
        return None  # moto refuses the item before writing it
    return hash_value, range_value


def _current(table: Table, hash_value: DynamoType, range_value: DynamoType | None) -> Any:
    if range_value is None:
        return table.items.get(hash_value)
    return table.items.get(hash_value, {}).get(range_value)


def _put_back(table: Table, hash_value: DynamoType, range_value: DynamoType | None, item: Any) -> None:
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
        return
    bucket = table.items[hash_value]
    if item is None:
        bucket.pop(range_value, None)
        if not bucket:
            table.items.pop(hash_value, None)
    else:
        bucket[range_value] = item


def install() -> None:
    """Replaces moto's TransactWriteItems backup (idempotent, process-wide)."""
    with _installed:
        if _state["installed"]:
            return
        original = models.DynamoDBBackend.transact_write_items
        # moto's module calls copy.deepcopy; give it a copy module whose deepcopy
        # shares Table objects and copies everything else as before.
        models.copy = types.SimpleNamespace(**{**vars(copy), "deepcopy": _deepcopy_sharing_tables})

        def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
            saved: list[tuple[Table, DynamoType, DynamoType | None, Any]] = []
            streams: dict[int, tuple[Any, int]] = {}
            for entry in transact_items if len(transact_items) <= 100 else []:
                if len(entry) != 1:
                    continue  # moto refuses it
                kind, op = next(iter(entry.items()))
                table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
                key = _named_key(table, kind, op) if table is not None else None
                if key is None:
                    continue
                previous = _current(table, *key)
                saved.append((table, *key, copy.deepcopy(previous)))
                if table.stream_shard is not None:
                    streams.setdefault(id(table), (table.stream_shard, len(table.stream_shard.items)))
            try:
                original(self, transact_items)
            except BaseException:
                for table, hash_value, range_value, item in reversed(saved):
                    _put_back(table, hash_value, range_value, item)
                for shard, length in streams.values():
                    del shard.items[length:]
                raise

        models.DynamoDBBackend.transact_write_items = transact_write_items
        _state["installed"] = True
