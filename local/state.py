"""What the local stack keeps across restarts, under LOCAL_STATE_DIR: the
table's items, the uploaded documents, the outbox, the clock override, the user
pool's users (local.cognito) and, in local.auth, the JWT signing key. Queue messages in flight at a stop are not
kept.

Saved on a clean stop and, while running, within a couple of seconds of any
change, so even a kill -9 loses little. Files are replaced atomically, so a
crash mid-save leaves the previous snapshot intact.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local.template import ROOT

TABLE_FILE = "table.json"
OUTBOX_FILE = "outbox.json"
CLOCK_FILE = "clock.json"
DOCUMENTS_FILE = "documents.json"
USERS_FILE = "user-pool.json"
BATCH_WRITE_MAX = 25  # BatchWriteItem's limit per call


def state_dir() -> Path:
    return Path(os.environ.get("LOCAL_STATE_DIR") or ROOT / ".local").resolve()


def write_private(path: Path, data: bytes) -> None:
    """Replaces the file atomically; it and its folder are readable by their
    owner only (the state holds signing keys, tokens' key, members' data)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    temporary.chmod(0o600)  # an older temporary file may have had looser bits
    temporary.replace(path)


def write_json(path: Path, value: Any) -> None:
    write_private(path, json.dumps(value, indent=1, sort_keys=True).encode("utf-8"))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


# ------------------------------------------------------------------ table
def dump_table(dynamodb: Any, table_name: str) -> list[dict[str, Any]]:
    # A Scan is fine here: this is the stack's own snapshot, not a request path.
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table_name, ConsistentRead=True):
        items.extend(page.get("Items", []))
    return items


def load_table(dynamodb: Any, table_name: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), BATCH_WRITE_MAX):
        requests = {table_name: [{"PutRequest": {"Item": item}} for item in items[start:start + BATCH_WRITE_MAX]]}
        while requests:
            requests = dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}


# ------------------------------------------------------------------ buckets
def dump_buckets(s3: Any, buckets: list[str]) -> dict[str, list[dict[str, str]]]:
    """Every object of the stack's buckets (uploads are small: at most 10 MB each)."""
    saved: dict[str, list[dict[str, str]]] = {}
    for bucket in buckets:
        objects = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for entry in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=entry["Key"])
                objects.append({"key": entry["Key"], "content_type": body.get("ContentType", ""),
                                "body": base64.b64encode(body["Body"].read()).decode()})
        saved[bucket] = objects
    return saved


def load_buckets(s3: Any, saved: dict[str, list[dict[str, str]]]) -> None:
    for bucket, objects in saved.items():
        for item in objects:
            s3.put_object(Bucket=bucket, Key=item["key"], Body=base64.b64decode(item["body"]),
                          ContentType=item["content_type"] or "application/octet-stream")


class Snapshots:
    """Saves the state now (`save`) or soon after `changed()` (a background thread)."""

    def __init__(self, directory: Path, collect: Callable[[], dict[str, Any]], interval_s: float = 2.0,
                 poll: Callable[[], bool] = lambda: False):
        self.directory = directory
        self._collect = collect  # file name -> JSON value
        self._poll = poll  # checks for changes nobody announced (e-mails moto received); True if any
        self._interval = interval_s
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._save_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="state-snapshots", daemon=True)

    def changed(self) -> None:
        self._dirty.set()

    def save(self) -> None:
        with self._save_lock:
            # Cleared before reading, so a change made during the save is saved next time.
            self._dirty.clear()
            for name, value in self._collect().items():
                write_json(self.directory / name, value)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                if self._poll():
                    self._dirty.set()
                if self._dirty.is_set():
                    self.save()
            except Exception:  # keep going; the next round retries
                traceback.print_exc(file=sys.stderr)
