"""The annual invoice run: every credential holder invoiced exactly once.

A run is recorded, locks its year's rule set, and fans out over the
invoice-job queue: one message per shard of the member index, whose worker
lists that shard's members and sends batches of member ids, whose worker writes
the invoices. Exactly one invoice per member and year is the invoice's key
itself, written with `attribute_not_exists`; each shard and batch counts toward
the run's progress once, through a marker written in the same transaction as
the counters. A batch that fails on its last delivery is counted as failed
before it goes to the dead-letter queue, so the run still completes.
"""

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from aws_lambda_powertools import Logger


from renewal import audit, clock, config, invoicing, keys, notices, paging, records, standing, telemetry
from renewal.adapters import queue, store
from renewal.auth import NAAEI, Principal
from renewal.errors import NotFound, RuleViolation
from renewal.model import Model
from renewal.rules import RuleSet, load_rule_set

logger = Logger()

# Members per invoice-job message: small enough for one Lambda invocation to
# finish well inside its timeout, large enough to amortise the batch's reads.
BATCH_SIZE = 100
COUNTERS = ("members_seen", "invoices_created", "already_invoiced", "not_required", "failed")


class InvoiceRun(Model):
    run_id: str
    renewal_year: int
    status: Literal["running", "completed", "failed"]
    members_seen: int
    invoices_created: int
    already_invoiced: int
    not_required: int
    failed: int
    started_at: str
    finished_at: str | None = None


class InvoiceRunList(Model):
    items: list[InvoiceRun]
    next_token: str | None = None


class InvoiceRunStarted(Model):
    run_id: str
    status: Literal["running", "completed", "failed"]


def _view(record: Mapping[str, Any]) -> InvoiceRun:
    return InvoiceRun(**{name: record.get(name) for name in InvoiceRun.model_fields if name in record})


def start_run(principal: Principal, renewal_year: int) -> InvoiceRun:
    principal.require_staff()
    return begin(renewal_year, actor=principal)


def _run_record(run_id: str, renewal_year: int, actor: str, status: str = "running") -> dict[str, Any]:
    now = clock.now_iso()
    return {
        **keys.run_key(run_id),
        **keys.invoice_runs_index(now, run_id),
        "run_id": run_id,
        "renewal_year": renewal_year,
        "status": status,
        "started_at": now,
        "actor": actor,
        "shards_total": keys.MEMBER_SHARDS,
        "shards_done": 0,
        "batches_total": 0,
        "batches_done": 0,
        **dict.fromkeys(COUNTERS, 0),
    }


def begin(renewal_year: int, *, actor: Principal, run_id: str | None = None) -> InvoiceRun:
    """Starts a run. With a `run_id` (the schedule's), starting again is safe: a
    retried invocation finds its run and re-sends the shards (counted once each)."""
    if run_id is not None:
        existing = store.get(keys.run_key(run_id))
        if existing is not None:
            if existing["status"] == "running":
                _send_shards(run_id, int(existing["renewal_year"]))
            return _view(existing)
    rule_set = load_rule_set(renewal_year)
    if rule_set is None:
        raise RuleViolation(
            f"No rule set exists for renewal year {renewal_year}; store one before invoicing.",
            code="rule_set_missing",
            details=[{"field": "renewal_year", "rule": "rule_set_required"}],
        )
    run_id = run_id or uuid.uuid4().hex
    record = _run_record(run_id, renewal_year, actor.actor)
    now = record["started_at"]
    store.transact(
        [
            store.put_op(record, condition="attribute_not_exists(PK)"),
            # From now on the year's rules are fixed: every invoice of the run uses the same ones.
            store.update_op(
                keys.rule_set_key(renewal_year),
                "SET locked_at = if_not_exists(locked_at, :now)",
                condition="attribute_exists(PK)",
                values={":now": now},
            ),
            audit.entry_op(actor, history_pk=keys.rule_set_history_pk(renewal_year), action="invoice_run.start",
                           changes={"run_id": {"from": None, "to": run_id}}),
        ]
    )
    _send_shards(run_id, renewal_year)
    return _view(record)


def _send_shards(run_id: str, renewal_year: int) -> None:
    queue.send_all(
        config.invoice_job_queue_url(),
        [{"kind": "shard", "run_id": run_id, "renewal_year": renewal_year, "shard": shard}
         for shard in range(keys.MEMBER_SHARDS)],
    )


# ---------------------------------------------------------------- the schedule

# The schedule acts as the institute itself.
SCHEDULER = Principal(sub="annual-invoice-schedule", groups=frozenset({NAAEI}))


def scheduled_target(event: Mapping[str, Any]) -> tuple[str | None, int]:
    """(run id, renewal year) of a scheduled invocation. The schedule passes the
    time it fired for (`scheduled_time`), so every retry of one firing is the
    same run; the year invoiced is the one after that date's year."""
    fired = str(event.get("scheduled_time") or "")
    stamp = "".join(c for c in fired if c.isdigit() or c in "TZ")
    year = int(event.get("renewal_year") or (int(fired[:4]) if fired[:4].isdigit() else clock.today().year) + 1)
    return (f"scheduled-{stamp}" if stamp else None), year


def start_scheduled(event: Mapping[str, Any]) -> InvoiceRun:
    run_id, year = scheduled_target(event)
    return begin(year, actor=SCHEDULER, run_id=run_id)


# ---------------------------------------------------------------- dead letters


def start_dead_lettered(event: Mapping[str, Any], error: str) -> None:
    """A scheduled start that failed every attempt (no rule set on 1 October, say):
    its run is recorded as failed, so the season shows it and the alarm fires."""
    run_id, year = scheduled_target(event)
    _fail(run_id or f"scheduled-{uuid.uuid4().hex}", year, error)


def job_dead_lettered(job: Mapping[str, Any], error: str) -> None:
    """An invoice-job message that failed every delivery. A batch counts as failed
    (once, even if its last delivery already counted it); a lost shard's members
    were never listed, so its run fails outright."""
    if job.get("kind") == "members":
        members = len(job["member_ids"])
        _finish_if_done(_count_batch(job["run_id"], job["batch_id"], Counter(members_seen=members, failed=members)))
    else:
        _fail(job["run_id"], int(job["renewal_year"]), error)


def _fail(run_id: str, renewal_year: int, error: str) -> None:
    try:
        store.put({**_run_record(run_id, renewal_year, SCHEDULER.actor, status="failed"),
                   "finished_at": clock.now_iso(), "failure": error[:1000]},
                  condition="attribute_not_exists(PK)")
    except store.ConditionFailed:
        try:
            store.update(keys.run_key(run_id), "SET #status = :failed, finished_at = :now, failure = :error",
                         condition="#status = :running", names={"#status": "status"},
                         values={":failed": "failed", ":now": clock.now_iso(), ":error": error[:1000],
                                 ":running": "running"})
        except store.ConditionFailed:
            return  # it had ended already
    logger.error("invoice run failed", extra={"run_id": run_id, "error": error})
    telemetry.count(telemetry.RUNS_FAILED)


def list_runs(principal: Principal, limit: int, next_token: str | None) -> InvoiceRunList:
    principal.require_staff()
    items, token = paging.page(keys.INVOICE_RUNS, index=keys.GSI1, forward=False, limit=limit,
                               next_token=next_token)
    return InvoiceRunList(items=[_view(i) for i in items], next_token=token)


def get_run(principal: Principal, run_id: str) -> InvoiceRun:
    principal.require_staff()
    record = store.get(keys.run_key(run_id))
    if record is None or record.get("kind", "invoice") != "invoice":
        raise NotFound(f"No invoice run {run_id}.")
    return _view(record)


# ---------------------------------------------------------------- the worker


def process_job(job: Mapping[str, Any], *, receive_count: int = 1) -> None:
    """One invoice-job message. Safe to run again: redeliveries change nothing twice."""
    if job["kind"] == "shard":
        _list_shard(job["run_id"], int(job["renewal_year"]), int(job["shard"]))
    elif job["kind"] == "members":
        try:
            _invoice_batch(job["run_id"], int(job["renewal_year"]), job["batch_id"], list(job["member_ids"]))
        except Exception:
            if receive_count >= config.invoice_job_max_receives():
                # Last delivery: count it, so the run completes and says what failed;
                # the message itself goes on to the dead-letter queue.
                _finish_if_done(_count_batch(job["run_id"], job["batch_id"],
                                             Counter(members_seen=len(job["member_ids"]), failed=len(job["member_ids"]))))
            raise
    else:
        raise ValueError(f"unknown invoice job kind {job['kind']!r}")


def _list_shard(run_id: str, renewal_year: int, shard: int) -> None:
    run = store.get(keys.run_key(run_id))
    if run is None or shard in run.get("shards_seen", set()):
        return
    member_ids = [item["GSI2SK"] for item in store.query_all(keys.credential_holders_partition(shard), index=keys.GSI2)]
    batches = [member_ids[i : i + BATCH_SIZE] for i in range(0, len(member_ids), BATCH_SIZE)]
    # Batch ids are deterministic, so a redelivered shard re-sends the same batches
    # and the run's record of counted batches keeps them from counting twice.
    queue.send_all(
        config.invoice_job_queue_url(),
        [{"kind": "members", "run_id": run_id, "renewal_year": renewal_year, "batch_id": f"{shard:02d}-{n:05d}",
          "member_ids": batch} for n, batch in enumerate(batches)],
    )
    try:
        run = store.update(keys.run_key(run_id), "ADD shards_done :one, batches_total :n, shards_seen :shard",
                           condition="NOT contains(shards_seen, :this)",
                           values={":one": 1, ":n": len(batches), ":shard": {shard}, ":this": shard},
                           returns="ALL_NEW")
    except store.ConditionFailed:
        return  # a concurrent delivery of the same shard counted it
    _finish_if_done(run)


# Members whose invoices one transaction writes: two items each (the invoice,
# the member's facts lock) and the year's totals, within DynamoDB's 100.
CHUNK = 45
WRITE_ATTEMPTS = 4


def _invoice_batch(run_id: str, renewal_year: int, batch_id: str, member_ids: Sequence[str]) -> None:
    run = store.get(keys.run_key(run_id))
    if run is None or batch_id in run.get("batches_seen", set()):
        return
    rule_set = load_rule_set(renewal_year)
    if rule_set is None:
        raise RuntimeError(f"rule set {renewal_year} disappeared during run {run_id}")
    counts: Counter[str] = Counter(members_seen=len(member_ids))
    issued: list[tuple[dict[str, Any], dict[str, Any]]] = []
    planned: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {}
    for member_id in member_ids:
        try:
            outcome, invoice, profile = _plan_member(run_id, rule_set, member_id)
        except Exception:
            logger.exception("member not invoiced", extra={"member_id": member_id, "run_id": run_id})
            outcome, invoice, profile = "failed", None, None
        if outcome in ("write_created", "write_waived"):
            planned[member_id] = (invoice, profile, outcome)
            continue
        counts[outcome] += 1
        if outcome == "invoices_created" and invoice is not None:
            issued.append((invoice, profile))  # written by an earlier delivery of this batch
    for member_id, outcome, invoice, profile in _write_planned(run_id, rule_set, planned):
        counts[outcome] += 1
        if outcome == "invoices_created":
            issued.append((invoice, profile))
    # The notices go to the outbox before the batch counts: a delivery cut short
    # after writing invoices comes again, finds this run's invoices and writes
    # their e-mails then (each once: a notice's e-mail has an id of its own).
    notices.deliver_all(notices.INVOICE_ISSUED, issued)
    counted = _count_batch(run_id, batch_id, counts)
    if counted is None:
        return
    telemetry.count(telemetry.INVOICES_CREATED, counts["invoices_created"])
    _finish_if_done(counted)


def _plan_member(run_id: str, rule_set: RuleSet, member_id: str):
    """(outcome, invoice, profile) for one member, from one Query of their page
    of data: 'write_created' / 'write_waived' when an invoice is to be written,
    else 'invoices_created' (this run wrote it before), 'already_invoiced' or
    'not_required'."""
    items = list(store.query_all(keys.member_pk(member_id)))
    profile = next((i for i in items if i["SK"] == keys.PROFILE), None)
    if profile is None:
        return "not_required", None, None
    year = rule_set.renewal_year
    if standing.settled_before(profile, year):
        return "already_invoiced", None, profile  # by the previous system, which settled the year
    existing = standing.invoices(items).get(year)
    if existing is not None:
        if existing.get("run_id") == run_id and existing["status"] != "void":
            return "invoices_created", existing, profile
        return ("not_required" if existing["status"] == "void" else "already_invoiced"), None, profile
    waivers = standing.waivers_in(items)
    if standing.military_waived(waivers, year):
        # Dues waived: the year is recorded as a void invoice (reports list it), never billed.
        waiver = next(w for w in waivers if w["type"] == standing.MILITARY and int(w["renewal_year"]) == year
                      and not w.get("revoked_at"))
        record = waived_invoice_record(run_id, rule_set, profile, waiver["waiver_id"])
        return ("write_waived", {**record, "_items": items}, profile) if record else ("not_required", None, profile)
    assessment = invoicing.assess(invoicing.held_from_profile(profile), rule_set,
                                  emeritus=standing.emeritus_from(waivers, year))
    if not assessment.required:
        return "not_required", None, profile
    return "write_created", {**invoice_record(run_id, rule_set, profile, assessment), "_items": items}, profile


def _write_planned(run_id: str, rule_set: RuleSet, planned: dict[str, tuple[dict, dict, str]]):
    """Writes the planned invoices, CHUNK members a transaction, each with its
    record, the member's facts lock and the chunk's share of the year's totals.
    A member whose lock or invoice lost a race is planned again from a fresh read."""
    pending = dict(planned)
    for _ in range(WRITE_ATTEMPTS):
        if not pending:
            return
        retry: dict[str, tuple[dict, dict, str]] = {}
        chunks = list(pending.items())
        for start in range(0, len(chunks), CHUNK):
            chunk = chunks[start:start + CHUNK]
            operations, totals = [], Counter()
            records_by_member = {}
            for member_id, (invoice, profile, _) in chunk:
                items = invoice.pop("_items", None) or []
                record = {**records.with_record(invoice, items), "version": 1}
                records_by_member[member_id] = record
                operations += [store.put_op(record, condition="attribute_not_exists(SK)"), records.lock_op(profile)]
                totals.update(records.contribution(record))
            totals_op = records.totals_op(rule_set.renewal_year, totals)
            try:
                store.transact(operations + ([totals_op] if totals_op else []))
            except store.ConditionFailed:
                # Someone invoiced or changed one of these members meanwhile (or the
                # transaction met another): the whole chunk is planned again from fresh reads.
                retry.update(chunk)
                continue
            for member_id, (_, profile, kind) in chunk:
                yield member_id, "invoices_created" if kind == "write_created" else "not_required", \
                    records_by_member[member_id], profile
        pending = {}
        for member_id in retry:
            try:
                outcome, invoice, profile = _plan_member(run_id, rule_set, member_id)
            except Exception:
                logger.exception("member not invoiced", extra={"member_id": member_id, "run_id": run_id})
                yield member_id, "failed", None, None
                continue
            if outcome in ("write_created", "write_waived"):
                pending[member_id] = (invoice, profile, outcome)
            else:
                yield member_id, outcome, invoice, profile
    for member_id in pending:
        logger.error("member not invoiced: kept losing races", extra={"member_id": member_id, "run_id": run_id})
        yield member_id, "failed", None, None


def invoice_record(run_id: str, rule_set: RuleSet, profile: Mapping[str, Any],
                   assessment: invoicing.Assessment) -> dict[str, Any]:
    member_id = profile["member_id"]
    year = rule_set.renewal_year
    return {
        **keys.invoice_key(year, member_id),
        "invoice_id": keys.invoice_id(year, member_id),
        "member_id": member_id,
        "renewal_year": year,
        "status": "open",
        "currency": rule_set.currency,
        "credentials": list(assessment.renewable),
        "lines": [line.model_dump() for line in assessment.lines],
        "total_cents": assessment.total_cents,
        "amount_paid_cents": 0,
        "cec_required": assessment.cec_required,
        "in_network_required": assessment.in_network_required,
        "cec_waived": assessment.cec_waived,
        "issued_at": clock.now_iso(),
        "due_date": rule_set.due_date.isoformat(),
        "payments": [],
        "run_id": run_id,
        # The terms the invoice was issued under (the rule set is locked from now on),
        # so reading the renewal needs only the member's own partition.
        "terms": {
            "grace_ends": rule_set.grace_ends.isoformat(),
            "earning_window": rule_set.earning_window.model_dump(mode="json"),
            "participation_cap": rule_set.participation_cap,
            "reinstatement_fee_cents": rule_set.reinstatement_fee_cents,
            "reminder_days_before_due": rule_set.reminder_days_before_due,
        },
        "name": f"{profile.get('first_name', '')} {profile.get('last_name', '')}".strip(),
        "affiliate": profile.get("affiliate"),
        # Claimed with the invoice itself; the e-mail is written before the batch counts.
        "notices": {notices.INVOICE_ISSUED},
    }


def waived_invoice_record(run_id: str, rule_set: RuleSet, profile: Mapping[str, Any],
                          waiver_id: str) -> dict[str, Any] | None:
    """The void invoice that records a year waived for military deployment."""
    assessment = invoicing.assess(invoicing.held_from_profile(profile), rule_set)
    if not assessment.required:
        return None
    return {**invoice_record(run_id, rule_set, profile, assessment), "status": "void", "voided_by_waiver": waiver_id,
            "notices": {"waived"}}


def _count_batch(run_id: str, batch_id: str, counts: Counter[str]) -> dict[str, Any] | None:
    """Adds a batch's counts to its run once (one conditional update of the run
    record, which keeps the ids of the batches it counted). Returns the run as it
    now stands, or None when the batch had been counted."""
    increments = {name: counts.get(name, 0) for name in COUNTERS}
    expression = "ADD batches_done :one, batches_seen :batch, " + ", ".join(f"{name} :{name}" for name in COUNTERS)
    try:
        return store.update(
            keys.run_key(run_id), expression, condition="NOT contains(batches_seen, :this)",
            values={":one": 1, ":batch": {batch_id}, ":this": batch_id, **{f":{k}": v for k, v in increments.items()}},
            returns="ALL_NEW",
        )
    except store.ConditionFailed:
        return None


def _finish_if_done(run: Mapping[str, Any] | None) -> None:
    """Completes the run once every shard and batch is counted (`run` as it stood after the last count)."""
    if not run or run["status"] != "running":
        return
    if run["shards_done"] < run["shards_total"] or run["batches_done"] < run["batches_total"]:
        return
    try:
        store.update(
            keys.run_key(run["run_id"]),
            "SET #status = :status, finished_at = :now",
            condition="#status = :running AND shards_done = shards_total AND batches_done = batches_total",
            names={"#status": "status"},
            values={":status": "failed" if run["failed"] else "completed", ":now": clock.now_iso(),
                    ":running": "running"},
        )
    except store.ConditionFailed:
        return  # another worker finished it
    if run["failed"]:
        logger.error("invoice run failed", extra={"run_id": run["run_id"], "members_failed": run["failed"]})
        telemetry.count(telemetry.RUNS_FAILED)
