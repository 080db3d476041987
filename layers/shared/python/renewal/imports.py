"""Member imports: the institute's members brought in from its previous system.

Staff upload a CSV (a presigned POST), then start an import run, a dry run
first. The run fans out over the import-job queue like the invoice run: one
message reads and splits the file, then one message per batch of rows
validates them exactly as `PUT /admin/members/{member_id}` does and, unless it
is a dry run, writes them. Counts arrive on the run's record as batches finish;
the rejected rows end in an error file (`row, column, message`).

- **Idempotent.** A row equal to the stored member writes nothing (`unchanged`),
  so the same file twice changes nothing the second time. Each batch counts
  once (the run keeps the ids of the batches it counted). A row written by an
  earlier delivery of its batch is recognised by the import's mark on the
  profile (`last_import`) and counted as what it was then.
- **One conditional write per row.** A member's record is one PutItem,
  conditional on the version the batch read (or on the member not existing):
  two imports at once, or an import and a staff edit, never interleave one
  member's fields; the loser reads again and decides again. The directory
  entries go before it and the audit entry after it in batch writes of 25
  (renewal.directory, renewal.audit say why that is safe), so a row costs
  about 1.3 DynamoDB calls.
- **History.** `renewed_through` is stored on the profile as `settled_through`
  (renewal.standing reads it); no invoice is invented for past years.
"""

import json
import secrets
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger
from pydantic import ConfigDict, Field, StringConstraints

from renewal import accounts, audit, clock, config, directory, keys, member_files, members, paging, uploads
from renewal.adapters import documents, queue, store
from renewal.auth import Principal
from renewal.errors import NotFound, ValidationFailed
from renewal.model import Model

logger = Logger()

CSV_TYPES = Literal["text/csv", "application/vnd.ms-excel"]  # the second: what Windows browsers call a .csv
# A batch message stays under this many bytes, so ten fit one SendMessageBatch call (256 KB).
MESSAGE_BYTES = 24_000
MAX_BATCH_ROWS = 100
SEND_AT_ONCE = 50  # batch messages the split sends in one go (five SendMessageBatch calls)
WRITE_ATTEMPTS = 3
COUNTERS = ("created", "updated", "unchanged", "rejected", "invited", "invitations_failed")
UploadId = Annotated[str, StringConstraints(pattern=r"^IU-[0-9a-f]{16}$")]


class ImportUploadRequest(Model):
    model_config = ConfigDict(extra="forbid")

    content_type: CSV_TYPES
    size_bytes: int = Field(gt=0)


class ImportRequest(Model):
    model_config = ConfigDict(extra="forbid")

    upload_id: UploadId
    dry_run: bool = Field(default=True, description="Check every row and count, write nothing (the default).")
    invite: bool = Field(default=False, description="Invite every imported member who has no sign-in account.")


class ImportStarted(Model):
    import_id: str
    status: Literal["running", "completed", "failed"]


class ImportRun(Model):
    import_id: str
    status: Literal["running", "completed", "failed"]
    dry_run: bool
    invite: bool
    rows: int | None = Field(default=None, description="Data rows in the file; null until the file has been read.")
    created: int
    updated: int
    unchanged: int
    rejected: int
    invited: int
    invitations_failed: int = 0
    errors_url: str | None = Field(default=None, description="A CSV of row, column, message (a link valid 10 minutes).")
    message: str | None = Field(default=None, description="Why the file could not be imported, when it failed.")
    upload_id: str
    started_at: str
    finished_at: str | None = None


class ImportList(Model):
    items: list[ImportRun]
    next_token: str | None = None


# ---------------------------------------------------------------- the API


def start_upload(principal: Principal, request: ImportUploadRequest) -> uploads.Upload:
    principal.require_staff()
    limit = config.max_import_bytes()
    if request.size_bytes > limit:
        raise ValidationFailed(f"A member file may be at most {limit // (1024 * 1024)} MB.",
                               details=[{"field": "size_bytes", "max": limit}])
    upload_id = f"IU-{secrets.token_hex(8)}"
    object_key = keys.import_upload_object_key(upload_id)
    post = documents.presigned_post(object_key, request.content_type, limit, bucket=config.imports_bucket())
    store.put({**keys.staff_upload_key(upload_id), "upload_id": upload_id, "object_key": object_key,
               "content_type": request.content_type, "size_bytes": request.size_bytes, "actor": principal.actor,
               "created_at": clock.now_iso()})
    return uploads.Upload(upload_id=upload_id, url=post["url"], fields=post["fields"])


def start_import(principal: Principal, request: ImportRequest) -> ImportRun:
    principal.require_staff()
    upload = store.get(keys.staff_upload_key(request.upload_id))
    if upload is None:
        raise ValidationFailed("No such upload.", details=[{"field": "upload_id"}])
    found = documents.head(upload["object_key"], bucket=config.imports_bucket())
    if found is None:
        raise ValidationFailed("The file has not been uploaded yet.", details=[{"field": "upload_id"}])
    if found["size_bytes"] > config.max_import_bytes():
        # The presigned POST caps the size in AWS; checked again for back ends that do not.
        raise ValidationFailed("The uploaded file is larger than 50 MB.", details=[{"field": "upload_id", **found}])
    import_id = uuid.uuid4().hex
    now = clock.now_precise_iso()  # the list's order: two imports may start within a second
    record = {
        **keys.import_key(import_id), **keys.imports_index(now, import_id),
        "import_id": import_id, "status": "running", "dry_run": request.dry_run, "invite": request.invite,
        "upload_id": request.upload_id, "object_key": upload["object_key"], "actor": principal.actor,
        "started_at": now, "batches_total": 0, "batches_done": 0, **dict.fromkeys(COUNTERS, 0),
    }
    store.put(record, condition="attribute_not_exists(PK)")
    try:
        queue.send_all(config.import_job_queue_url(), [{"kind": "split", "import_id": import_id}])
    except Exception:
        _fail(record, "The import could not be queued; start it again.")
        raise
    return _view(record)


def get_import(principal: Principal, import_id: str) -> ImportRun:
    principal.require_staff()
    record = store.get(keys.import_key(import_id))
    if record is None:
        raise NotFound(f"No import {import_id}.")
    return _view(record)


def list_imports(principal: Principal, limit: int, next_token: str | None) -> ImportList:
    principal.require_staff()
    items, token = paging.page(keys.IMPORTS_PARTITION, index=keys.GSI1, forward=False, limit=limit,
                               next_token=next_token)
    return ImportList(items=[_view(item) for item in items], next_token=token)


def _view(record: Mapping[str, Any]) -> ImportRun:
    errors_key = record.get("errors_key")
    return ImportRun(
        **{name: record.get(name) for name in ImportRun.model_fields if name in record and name != "errors_url"},
        errors_url=documents.link(errors_key, bucket=config.imports_bucket(),
                                  filename=f"import-{record['import_id']}-errors.csv") if errors_key else None,
    )


# ---------------------------------------------------------------- the worker


def process_job(job: Mapping[str, Any], *, receive_count: int = 1) -> None:
    """One import-job message. Safe to run again: a redelivery changes nothing twice."""
    if job["kind"] not in ("split", "rows"):
        raise ValueError(f"unknown import job kind {job['kind']!r}")
    try:
        if job["kind"] == "split":
            _split(job["import_id"])
        else:
            _import_batch(job["import_id"], job["batch_id"], job["rows"])
    except Exception:
        if receive_count >= config.import_job_max_receives():
            job_dead_lettered(job)  # its last delivery: the message goes to the dead-letter queue
        raise


def job_dead_lettered(job: Mapping[str, Any], error: str = "") -> None:
    """An import-job message that failed (or is failing) its last delivery; also
    what the dead-letter function calls, for a last delivery cut short by a
    timeout. A lost split fails the run; a lost batch counts as rejected, so the
    run completes and its error file says which rows. Safe to call twice."""
    if job["kind"] == "split":
        run = store.get(keys.import_key(job["import_id"]))
        if run:
            _fail(run, "The file could not be read (an error on our side); start the import again.")
    else:
        _record_batch(job["import_id"], job["batch_id"], Counter(rejected=len(job["rows"])), [
            {"row": r["row"], "column": "", "message": "Not imported (an error on our side); import the "
                                                       "file again."} for r in job["rows"]])


def _split(import_id: str) -> None:
    run = store.get(keys.import_key(import_id))
    if run is None or run.get("split_at") or run["status"] != "running":
        return
    data = documents.read(run["object_key"], bucket=config.imports_bucket())
    try:
        # Two passes over the file: the member ids on several rows first, then the batches.
        repeated = member_files.repeated_ids(member_files.read(data))
        rows = (member_files.mark_duplicates(row, repeated) for row in member_files.read(data))
    except member_files.FileRefused as refused:
        _fail(run, refused.message, column=refused.column)
        return
    # Batch ids are deterministic: a redelivered split sends the same batches, counted once each.
    total_rows = total_batches = 0
    pending: list[dict[str, Any]] = []
    for batch in _batches(rows):
        total_rows += len(batch)
        pending.append({"kind": "rows", "import_id": import_id, "batch_id": f"{total_batches:05d}", "rows": batch})
        total_batches += 1
        if len(pending) == SEND_AT_ONCE:
            queue.send_all(config.import_job_queue_url(), pending)
            pending = []
    queue.send_all(config.import_job_queue_url(), pending)
    try:
        run = store.update(keys.import_key(import_id), "SET split_at = :now, batches_total = :n, #rows = :rows",
                           condition="attribute_not_exists(split_at)", names={"#rows": "rows"},
                           values={":now": clock.now_iso(), ":n": total_batches, ":rows": total_rows},
                           returns="ALL_NEW")
    except store.ConditionFailed:
        return  # a concurrent delivery of the same message recorded it
    _finish_if_done(run)


def _batches(rows: Iterator[member_files.Row]) -> Iterator[list[dict[str, Any]]]:
    """Rows as queue messages carry them (values by column position, the problems
    found so far), at most MAX_BATCH_ROWS and MESSAGE_BYTES a message."""
    batch: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        message = {"row": row.number, "values": [row.values.get(c, "") for c in member_files.COLUMNS],
                   "problems": [[p.column, p.message] for p in row.problems]}
        length = len(json.dumps(message))
        if batch and (len(batch) >= MAX_BATCH_ROWS or size + length > MESSAGE_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(message)
        size += length
    if batch:
        yield batch


@dataclass
class _Plan:
    row: int
    parsed: member_files.MemberRow
    previous: dict[str, Any] | None
    record: dict[str, Any] | None = None
    outcome: str = "unchanged"


def _import_batch(import_id: str, batch_id: str, rows: list[dict[str, Any]]) -> None:
    run = store.get(keys.import_key(import_id))
    if run is None:
        return
    if batch_id in run.get("batches_seen", set()):
        _finish_if_done(run)  # counted; make sure the run was completed too
        return
    counts: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    parsed: list[tuple[int, member_files.MemberRow]] = []
    today = clock.today()
    for row in rows:
        problems = [{"row": row["row"], "column": c, "message": m} for c, m in row["problems"]]
        if not problems:
            try:
                parsed.append((row["row"], member_files.member_row(dict(zip(member_files.COLUMNS, row["values"])),
                                                                    today)))
                continue
            except ValidationFailed as invalid:
                problems = [{"row": row["row"], **d} for d in invalid.details]
        errors.extend(problems)
        counts["rejected"] += 1
    wanted = [keys.member_key(p.member_id) for _, p in parsed]
    if run["invite"] and not run["dry_run"]:
        wanted += [keys.account_key(p.member_id) for _, p in parsed]
    stored = store.batch_get(wanted) if wanted else []
    profiles = {item["member_id"]: item for item in stored if item["SK"] == keys.PROFILE}
    with_account = {item["PK"] for item in stored if item["SK"] == keys.ACCOUNT}
    plans = [_plan(import_id, number, row, profiles.get(row.member_id)) for number, row in parsed]
    if not run["dry_run"]:
        _write(run, plans, errors)
    counts.update(plan.outcome for plan in plans)
    if run["invite"] and not run["dry_run"]:
        counts.update(_invite(run, [p for p in plans if p.outcome != "rejected"
                                    and keys.member_pk(p.parsed.member_id) not in with_account]))
    _record_batch(import_id, batch_id, counts, errors)


def _plan(import_id: str, number: int, row: member_files.MemberRow, previous: dict[str, Any] | None) -> _Plan:
    """What the row does to the stored member: nothing, create or update."""
    plan = _Plan(number, row, previous)
    mark = (previous or {}).get("last_import") or {}
    record = _record(import_id, number, row, previous)
    if previous is not None and _same(previous, record):
        if mark.get("import_id") == import_id and mark.get("row") == number:
            # Written by an earlier delivery of this batch: counted as what it was, its audit entry written again.
            plan.outcome, plan.record = mark["outcome"], previous
        return plan
    plan.record, plan.outcome = record, "created" if previous is None else "updated"
    return plan


def _record(import_id: str, number: int, row: member_files.MemberRow,
            previous: dict[str, Any] | None) -> dict[str, Any]:
    record = members.replacement_record(row.member_id, row.member, previous)
    record.pop("settled_through", None)  # the file says what the history is, empty included
    if row.settled_through is not None:
        record["settled_through"] = row.settled_through
    record["last_import"] = {
        "import_id": import_id, "row": number, "outcome": "created" if previous is None else "updated",
        "at": clock.now_precise_iso(),
        "changes": audit.diff(_history_view(previous), _history_view(record)),
    }
    return record


def _history_view(record: Mapping[str, Any] | None) -> dict[str, Any]:
    """What an import compares and audits: the member's own data and the renewal history."""
    if not record:
        return {}
    return {**members.comparable(dict(record)), "renewed_through": record.get("settled_through")}


def _same(previous: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    return _history_view(previous) == _history_view(record)


def _write(run: Mapping[str, Any], plans: list[_Plan], errors: list[dict[str, Any]]) -> None:
    """Writes the batch's new and changed members: directory entries first (one
    batch write for all), then each profile with its condition, then the audit entries."""
    changing = [p for p in plans if p.record is not None and p.record is not p.previous]
    puts: list[dict[str, Any]] = []
    deletes: list[dict[str, str]] = []
    for plan in changing:
        entry_puts, entry_deletes = directory.changes(plan.previous, plan.record)
        puts += entry_puts
        deletes += entry_deletes
    store.batch_write(puts=puts, deletes=deletes)
    for plan in changing:
        _put_profile(run, plan, errors)
    written = [p for p in plans if p.outcome in ("created", "updated") and p.record is not None]
    store.batch_write(puts=[_audit_record(run, p.record) for p in written])


def _put_profile(run: Mapping[str, Any], plan: _Plan, errors: list[dict[str, Any]]) -> None:
    for _ in range(WRITE_ATTEMPTS):
        assert plan.record is not None
        previous = plan.previous
        condition, values = (("attribute_not_exists(PK)", None) if previous is None
                             else ("version = :seen", {":seen": previous["version"]}))
        try:
            store.put(plan.record, condition=condition, values=values)
            return
        except store.ConditionFailed:
            # Someone else wrote the member since the batch read it: decide again on what is there now.
            again = _plan(run["import_id"], plan.row, plan.parsed, store.get(keys.member_key(plan.parsed.member_id)))
            if again.record is None or again.record is again.previous:
                plan.record, plan.outcome = again.record, again.outcome
                return
            directory.write(again.previous, again.record)
            plan.previous, plan.record, plan.outcome = again.previous, again.record, again.outcome
    directory.repair(plan.parsed.member_id, plan.record or {})
    plan.record, plan.outcome = None, "rejected"
    errors.append({"row": plan.row, "column": "", "message": "The member was changed by someone else during the "
                                                             "import; import the file again."})


def _audit_record(run: Mapping[str, Any], profile: Mapping[str, Any]) -> dict[str, Any]:
    """The audit entry of an imported change, derived from the import's mark on
    the profile, so writing it again gives the same item."""
    mark = profile["last_import"]
    return audit.entry_record(
        # The actor names the import as well as the person who started it.
        f"{run['actor']} (import {mark['import_id']})", history_pk=keys.member_history_pk(profile["member_id"]),
        action=f"member.import.{mark['outcome']}",
        changes=mark["changes"], at=mark["at"], audit_id=f"{mark['import_id'][:16]}-{mark['row']}",
        import_id=mark["import_id"],
    )


def _invite(run: Mapping[str, Any], plans: list[_Plan]) -> Counter[str]:
    counts: Counter[str] = Counter()
    records: list[dict[str, Any]] = []
    for plan in plans:
        email = plan.parsed.member.contact.email
        if not email:
            continue
        try:
            written = accounts.invite_member(plan.parsed.member_id, email, run["actor"])
        except Exception:
            # The member is imported; staff can invite them from their page.
            logger.exception("invitation not sent", extra={"member_id": plan.parsed.member_id})
            counts["invitations_failed"] += 1
            continue
        if written:
            records += written
            counts["invited"] += sum(1 for r in written if r.get("status") == accounts.INVITED)
    store.batch_write(puts=records)
    return counts


def _record_batch(import_id: str, batch_id: str, counts: Counter[str], errors: list[dict[str, Any]]) -> None:
    """The batch's rejected rows, then its counts, once."""
    if errors:
        store.put({**keys.import_errors_key(import_id, batch_id), "errors": errors})
    increments = {name: counts.get(name, 0) for name in COUNTERS}
    # Names go through placeholders: some counters are DynamoDB reserved words.
    expression = "ADD batches_done :one, batches_seen :batch, " + ", ".join(f"#{n} :{n}" for n in COUNTERS)
    try:
        run = store.update(keys.import_key(import_id), expression, condition="NOT contains(batches_seen, :this)",
                           names={f"#{n}": n for n in COUNTERS},
                           values={":one": 1, ":batch": {batch_id}, ":this": batch_id,
                                   **{f":{k}": v for k, v in increments.items()}}, returns="ALL_NEW")
    except store.ConditionFailed:
        run = store.get(keys.import_key(import_id))
    _finish_if_done(run)


def _finish_if_done(run: Mapping[str, Any] | None) -> None:
    """Completes the run once the file is split and every batch counted: writes
    the error file, then the status (a redelivery that finds it done stops)."""
    if not run or run["status"] != "running" or not run.get("split_at"):
        return
    if run["batches_done"] < run["batches_total"]:
        return
    errors_key = None
    if run["rejected"]:
        found = [e for item in store.query_all(keys.import_pk(run["import_id"]), sk_prefix=keys.IMPORT_ERRORS_PREFIX)
                 for e in item["errors"]]
        errors_key = _write_errors(run["import_id"], sorted(found, key=lambda e: (e["row"], e["column"])))
    try:
        store.update(keys.import_key(run["import_id"]),
                     "SET #status = :done, finished_at = :now" + (", errors_key = :key" if errors_key else ""),
                     condition="#status = :running AND batches_done = batches_total",
                     names={"#status": "status"},
                     values={":done": "completed", ":now": clock.now_iso(), ":running": "running",
                             **({":key": errors_key} if errors_key else {})})
    except store.ConditionFailed:
        pass  # another worker finished it


def _write_errors(import_id: str, errors: list[dict[str, Any]]) -> str:
    key = keys.import_errors_object_key(import_id)
    documents.write(key, member_files.errors_csv(errors).encode("utf-8"), "text/csv; charset=utf-8",
                    bucket=config.imports_bucket())
    return key


def _fail(run: Mapping[str, Any], message: str, column: str = "") -> None:
    """The file as a whole could not be imported: nothing was written; the error file says why."""
    errors_key = _write_errors(run["import_id"], [{"row": 1, "column": column, "message": message}])
    try:
        store.update(keys.import_key(run["import_id"]),
                     "SET #status = :failed, finished_at = :now, #message = :message, errors_key = :key",
                     condition="#status = :running", names={"#status": "status", "#message": "message"},
                     values={":failed": "failed", ":now": clock.now_iso(), ":message": message, ":key": errors_key,
                             ":running": "running"})
    except store.ConditionFailed:
        pass
