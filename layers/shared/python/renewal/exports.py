"""Report exports: a CSV of any size, written to S3 by a worker off the
export-job queue, handed back as a link valid for 15 minutes. The synchronous
CSV of `GET /admin/renewals` stops at 10,000 rows; an export has no limit: it
streams the rows page by page into a temporary file and uploads it once."""

import datetime as dt
import io
import tempfile
import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger
from pydantic import ConfigDict, Field, StringConstraints

from renewal import audit, clock, config, csvfiles, keys, reports
from renewal.adapters import queue, store
from renewal.auth import Principal
from renewal.errors import NotFound, RuleViolation
from renewal.model import Model
from renewal.rules import RenewalYear, load_rule_set

logger = Logger()

ExportStatus = Literal["running", "completed", "failed"]


class ExportIn(Model):
    model_config = ConfigDict(extra="forbid")

    report: Literal["renewals"] = "renewals"
    renewal_year: RenewalYear
    status: Literal["open", "grace", "lapsed", "renewed", "waived", "not_required"] | None = None
    affiliate: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,64}$")] | None = None


class ExportStarted(Model):
    export_id: str
    status: ExportStatus


class Export(Model):
    export_id: str
    report: str
    renewal_year: int
    status: ExportStatus
    rows: int | None = None
    download_url: str | None = Field(default=None, description="Presigned for 15 minutes from this answer.")
    expires_at: str | None = None
    created_at: str
    finished_at: str | None = None


def start_export(principal: Principal, body: ExportIn) -> ExportStarted:
    principal.require_staff()
    if load_rule_set(body.renewal_year) is None:
        raise RuleViolation(f"No rule set exists for renewal year {body.renewal_year}.", code="rule_set_missing",
                            details=[{"field": "renewal_year"}])
    export_id = uuid.uuid4().hex
    record = {**keys.export_key(export_id), "export_id": export_id, "status": "running", "created_at": clock.now_iso(),
              "actor": principal.actor, **body.model_dump(mode="json", exclude={"status"}), "status_filter": body.status}
    store.transact([
        store.put_op(record, condition="attribute_not_exists(PK)"),
        audit.entry_op(principal, history_pk=keys.exports_history_pk(), action="export.start",
                       changes={"export_id": {"from": None, "to": export_id},
                                "request": {"from": None, "to": body.model_dump(mode="json")}}),
    ])
    queue.send_all(config.export_job_queue_url(), [{"kind": "export", "export_id": export_id}])
    return ExportStarted(export_id=export_id, status="running")


def get_export(principal: Principal, export_id: str) -> Export:
    principal.require_staff()
    record = store.get(keys.export_key(export_id))
    if record is None:
        raise NotFound(f"No export {export_id}.")
    export = Export(**{name: record.get(name) for name in Export.model_fields if name in record})
    if record["status"] == "completed":
        from renewal.adapters import exports as files

        export.download_url = files.link(record["object_key"])
        expires = clock.now() + dt.timedelta(seconds=files.LINK_EXPIRES_S)
        export.expires_at = expires.isoformat(timespec="seconds").replace("+00:00", "Z")
    return export


def process(job: Mapping[str, Any]) -> None:
    """Writes one export. Safe to run again: a finished export is left alone,
    and a rerun writes the same file again from the records as they are."""
    from renewal.adapters import exports as files

    record = store.get(keys.export_key(job["export_id"]))
    if record is None or record["status"] != "running":
        return
    rule_set = load_rule_set(int(record["renewal_year"]))
    if rule_set is None:
        raise RuntimeError(f"rule set {record['renewal_year']} disappeared")
    name = f"renewals-{record['renewal_year']}" + (f"-{record['affiliate']}" if record.get("affiliate") else "") + \
        (f"-{record['status_filter']}" if record.get("status_filter") else "") + ".csv"
    object_key = keys.export_object_key(record["export_id"], name)
    rows = 0
    # Spooled: in memory while small, on disk (Lambda's /tmp) once large.
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+b") as spool:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        writer = csvfiles.Writer(text)
        writer.writerow(reports.COLUMNS)
        for row in reports.all_rows(rule_set, record.get("status_filter"), record.get("affiliate")):
            writer.writerow(reports.csv_cells(row))
            rows += 1
        text.flush()
        text.detach()  # hand the bytes back to the spool without closing it
        spool.seek(0)
        files.upload(object_key, spool)
    try:
        store.update(keys.export_key(record["export_id"]),
                     "SET #status = :done, #rows = :rows, object_key = :key, finished_at = :now",
                     condition="#status = :running", names={"#status": "status", "#rows": "rows"},
                     values={":done": "completed", ":rows": rows, ":key": object_key, ":now": clock.now_iso(),
                             ":running": "running"})
    except store.ConditionFailed:
        pass  # another delivery finished it


def fail(job: Mapping[str, Any], error: str = "") -> None:
    """The last delivery failed, or the message was dead-lettered (a last delivery
    cut short by the timeout): the export reads `failed`."""
    try:
        store.update(keys.export_key(job["export_id"]), "SET #status = :failed, finished_at = :now",
                     condition="#status = :running", names={"#status": "status"},
                     values={":failed": "failed", ":now": clock.now_iso(), ":running": "running"})
    except store.ConditionFailed:
        pass
