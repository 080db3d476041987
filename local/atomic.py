"""DynamoDB's atomicity, which moto's threaded server lacks.

DynamoDB applies each call (a TransactWriteItems included) as one step. moto's
server answers each request on its own thread without a lock: a transaction
backing up the table, or a query or scan walking it, while another thread
writes to it fails with "dictionary changed size during iteration" (a 500 no
AWS account would see), and a cancelled transaction's rollback could undo a
write made meanwhile.
This WSGI middleware lets one DynamoDB call run at a time; the races between
calls (read, then a conditional write) stay as they are on AWS. Other services
are left alone: an SQS long poll must not hold up the table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


class OneTableCallAtATime:
    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):  # DynamoDB_20120810.*, its streams
            return self.app(environ, start_response)
        with self.lock:
            # The whole answer is produced under the lock (moto's is a list of bytes).
            return list(self.app(environ, start_response))
