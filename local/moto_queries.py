"""DynamoDB queries on moto at the cost DynamoDB charges: the partition they read.

moto answers every Query by listing all the table's items, sorted (its
`Table.all_items`), then keeping those with the key asked for. A Query of one
member's partition therefore costs the whole table, and sorting it: an invoice
run that reads each member's partition once ran at 195 members a second on a
small table and fell to 6 at 600 members, so the 10,000-member benchmark and
storm took hours, which DynamoDB does not.

`install()` keeps moto's query code (key conditions, filters, paging, limits,
its errors) and changes only the list it starts from, for the duration of the
call: a Query on the table's own key starts from that key's partition, and a
Query on an index starts from the table's items unsorted (moto sorts the
matches by the index's keys, with the table's keys after them, so the order of
the list it starts from never shows). Scans and everything else still read
`all_items` as moto wrote it.

The local stack, the benchmarks and the tests install it beside
`local.moto_transactions`; its tests prove a query answers the same items, in
the same order and pages, with and without it.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.dynamodb.models.table import Table

_installed = threading.Lock()
_state = {"installed": False}
# The query this thread is answering: (table, partition key or None for an index query).
_answering = threading.local()


def _items(table: Table, hash_key: Any) -> list[Any]:
    """The items a query starts from: the partition, or every item unsorted."""
    if hash_key is not None:
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if table.range_key_attr else [partition]
    if table.range_key_attr:
        return [item for partition in table.items.values() for item in partition.values()]
    return list(table.items.values())


def install() -> None:
    with _installed:
        if _state["installed"]:
            return
        original_query, original_all_items = Table.query, Table.all_items

        def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
            index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
            previous = getattr(_answering, "query", None)
            _answering.query = (self, None if index_name else hash_key)
            try:
                return original_query(self, hash_key, *args, **kwargs)
            finally:
                _answering.query = previous

        def all_items(self: Table) -> list[Any]:
            answering = getattr(_answering, "query", None)
            if answering is not None and answering[0] is self:
                return _items(self, answering[1])
            return original_all_items(self)

        Table.query = query  # type: ignore[method-assign]
        Table.all_items = all_items  # type: ignore[method-assign]
        _state["installed"] = True
