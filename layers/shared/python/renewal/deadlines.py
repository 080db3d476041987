"""The daily deadline run: it writes the reinstatement fee lines the calendar
made owing and sends each renewal notice once. Statuses and the fee owed are
derived from dates whenever they are read (renewal.dues, renewal.records), so
nothing waits for this run: it only makes the fee permanent and tells members.

A run fans out over the deadline-job queue like the invoice run: one chain of
messages per renewal year and index shard, each message one page of that
shard's incomplete renewal records (the only ones with anything due), each
page sending the next before it is counted. Exactly once: a fee line and a
notice are claimed on the invoice with a conditional write (the notice's
e-mail goes to the outbox in the same transaction), and a page counts toward
its run once (the run keeps the ids of the pages it counted). One run a day at
a time: starting another while today's is running answers that one.
"""

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any, Literal

from aws_lambda_powertools import Logger

from renewal import audit, clock, config, dues, emails, keys, notices, paging, records, telemetry
from renewal.adapters import queue, store
from renewal.auth import Principal
from renewal.errors import NotFound
from renewal.model import Model

logger = Logger()

# Renewal records per page message: one invocation handles a page well inside its timeout.
PAGE_SIZE = 100
COUNTERS = ("renewals_seen", "lapsed", "reinstatement_fees_added", "reminders_sent", "failed")
KIND = "deadline"


class DeadlineRun(Model):
    run_id: str
    as_of: dt.date
    status: Literal["running", "completed", "failed"]
    renewals_seen: int
    lapsed: int
    reinstatement_fees_added: int
    reminders_sent: int
    failed: int
    started_at: str
    finished_at: str | None = None


class DeadlineRunStarted(Model):
    run_id: str
    status: Literal["running", "completed", "failed"]


class DeadlineRunList(Model):
    items: list[DeadlineRun]
    next_token: str | None = None


def _view(record: Mapping[str, Any]) -> DeadlineRun:
    return DeadlineRun(**{name: record.get(name) for name in DeadlineRun.model_fields if name in record})


def start_run(principal: Principal) -> DeadlineRun:
    principal.require_staff()
    return begin(actor=principal)


def begin(*, actor: Principal) -> DeadlineRun:
    """Starts today's run, or answers the one of today that is still running."""
    today = clock.today()
    day = keys.deadline_day_key(today.isoformat())
    for _ in range(3):
        pointer = store.get(day)
        if pointer is not None:
            current = store.get(keys.run_key(pointer["run_id"]))
            if current is not None and current["status"] == "running":
                return _view(current)
        years = [int(r["renewal_year"]) for r in store.query_all(keys.RULE_SETS_PARTITION, index=keys.GSI1)]
        chains = [(year, shard) for year in years for shard in range(keys.RENEWAL_SHARDS)]
        run_id = uuid.uuid4().hex
        now = clock.now_iso()
        record = {
            # Sorted to the microsecond: two runs of one day can start within a second.
            **keys.run_key(run_id), **keys.deadline_runs_index(clock.now_precise_iso(), run_id),
            "run_id": run_id, "kind": KIND, "as_of": today.isoformat(), "status": "running", "started_at": now,
            "actor": actor.actor, "chains_total": len(chains), "chains_done": 0, **dict.fromkeys(COUNTERS, 0),
        }
        if not chains:
            record.update(status="completed", finished_at=now)
        pointer_condition = ("attribute_not_exists(PK)" if pointer is None else "run_id = :seen_run")
        try:
            store.transact([
                store.put_op(record, condition="attribute_not_exists(PK)"),
                store.put_op({**day, "run_id": run_id, "as_of": today.isoformat()}, condition=pointer_condition,
                             values=None if pointer is None else {":seen_run": pointer["run_id"]}),
                audit.entry_op(actor, history_pk=keys.deadline_history_pk(), action="deadline_run.start",
                               changes={"run_id": {"from": None, "to": run_id}, "as_of": {"from": None,
                                                                                         "to": today.isoformat()}}),
            ])
        except store.ConditionFailed:
            continue  # another start for today won: answer that run
        queue.send_all(config.deadline_job_queue_url(), [
            {"kind": "deadline_page", "run_id": run_id, "as_of": today.isoformat(), "renewal_year": year,
             "shard": shard, "page": 0, "start_key": None} for year, shard in chains])
        return _view(record)
    pointer = store.get(day)
    return _view(store.get(keys.run_key(pointer["run_id"])) or {})


def get_run(principal: Principal, run_id: str) -> DeadlineRun:
    principal.require_staff()
    record = store.get(keys.run_key(run_id))
    if record is None or record.get("kind") != KIND:
        raise NotFound(f"No deadline run {run_id}.")
    return _view(record)


def list_runs(principal: Principal, limit: int, next_token: str | None) -> DeadlineRunList:
    principal.require_staff()
    items, token = paging.page(keys.DEADLINE_RUNS, index=keys.GSI1, forward=False, limit=limit,
                               next_token=next_token)
    return DeadlineRunList(items=[_view(i) for i in items], next_token=token)


# ---------------------------------------------------------------- the worker


def process_page(job: Mapping[str, Any]) -> None:
    """One page of one year's shard. Safe to run again: fees and notices are
    claimed on the invoice, and the page counts toward its run once."""
    run_id, year, shard, page = job["run_id"], int(job["renewal_year"]), int(job["shard"]), int(job["page"])
    page_id = f"{year}-{shard}-{page:05d}"
    run = store.get(keys.run_key(run_id))
    if run is None or page_id in run.get("pages_seen", set()):
        return
    as_of = dt.date.fromisoformat(job["as_of"])
    items, last = store.query_partition(keys.renewal_record_partition(year, shard), index=keys.GSI4,
                                        sk_prefix=keys.renewal_record_prefix(records.INCOMPLETE), limit=PAGE_SIZE,
                                        start_key=job.get("start_key"))
    if last:
        # The next page goes out before this one counts, so a crash in between re-sends
        # the same next page (whose count, like this one's, lands once).
        queue.send_all(config.deadline_job_queue_url(), [{**job, "page": page + 1, "start_key": last}])
    counts: Counter[str] = Counter(renewals_seen=len(items))
    due = {item["member_id"]: due_today(item, as_of) for item in items}
    profiles, invoices = _read_for_notices(year, [m for m, (_, kinds) in due.items() if kinds])
    for item in items:
        counts["lapsed"] += as_of > dues.grace_ends(item)
        try:
            fee_added, sent = _apply(item, as_of, profiles.get(item["member_id"]), invoices.get(item["member_id"]))
        except Exception:
            logger.exception("renewal deadline failed", extra={"member_id": item["member_id"], "run_id": run_id})
            counts["failed"] += 1
            continue
        counts["reinstatement_fees_added"] += fee_added
        counts["reminders_sent"] += sent
    _finish_if_done(_count_page(run_id, page_id, counts, chain_done=not last))


def due_today(invoice: Mapping[str, Any], as_of: dt.date) -> tuple[bool, list[str]]:
    """(write the fee line?, notices to send) for an incomplete renewal on `as_of`. Pure."""
    fee = (dues.payable(invoice) and dues.fee_owed(invoice, as_of) and not invoice.get("reinstated_on"))
    kinds = []
    if dues.payable(invoice):
        kinds.append(notices.INVOICE_ISSUED)
    stage = notices.stage_notice(as_of, dt.date.fromisoformat(invoice["due_date"]), dues.grace_ends(invoice),
                                 int(invoice["terms"]["reminder_days_before_due"]))
    if stage:
        kinds.append(stage)
    sent = invoice.get("notices") or set()
    return bool(fee), [kind for kind in kinds if kind not in sent]


def _read_for_notices(year: int, member_ids: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The profiles and whole invoices of the renewals with a notice due (the
    index holds what decides, a notice is composed from the whole invoice):
    read together, 100 keys a call, not one GetItem a renewal."""
    if not member_ids:
        return {}, {}
    found = store.batch_get([keys.member_key(m) for m in member_ids]
                            + [keys.invoice_key(year, m) for m in member_ids])
    profiles = {item["member_id"]: item for item in found if item[keys.SK] == keys.PROFILE}
    invoices = {item["member_id"]: item for item in found if item[keys.SK] != keys.PROFILE}
    return profiles, invoices


def _apply(item: Mapping[str, Any], as_of: dt.date, profile: Mapping[str, Any] | None,
           whole: Mapping[str, Any] | None = None) -> tuple[bool, int]:
    """Writes what is due in one transaction: the invoice's conditional update
    (as the index showed it, or as `whole` read it; read again if it changed
    since) and, with the notices it claims, their e-mails in the outbox, so a
    claimed notice is never lost to a crash between the claim and the e-mail."""
    invoice: Mapping[str, Any] | None = item
    for _ in range(3):
        fee, kinds = due_today(invoice, as_of)
        if not profile or not (profile.get("contact") or {}).get("email"):
            kinds = []  # nobody to write to: nothing claimed, the next run looks again
        if not fee and not kinds:
            return False, 0
        if kinds and "lines" not in invoice:
            # The index holds what decides; the notice is composed from the whole invoice.
            invoice, whole = (_current(whole) if whole is not None else _reread(item)), None
            if invoice is None:
                return False, 0
            continue
        try:
            _claim(invoice, as_of, fee, kinds, profile)
        except store.ConditionFailed:
            invoice = _reread(item)
            if invoice is None:
                return False, 0
            continue
        return fee, len(kinds)
    raise RuntimeError(f"invoice of {item['member_id']} kept changing")


def _reread(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """The invoice as it is now, or None once nothing is due on it any more."""
    return _current(store.get(keys.invoice_key(int(item["renewal_year"]), item["member_id"])))


def _current(invoice: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The invoice read, or None when nothing is due on it any more."""
    if invoice is None or records.record_class(invoice.get("record") or {}) != records.INCOMPLETE:
        return None
    return dict(invoice)


def _claim(invoice: Mapping[str, Any], as_of: dt.date, fee: bool, kinds: list[str],
           profile: Mapping[str, Any] | None) -> None:
    expression = ["version = if_not_exists(version, :zero) + :one"]
    values: dict[str, Any] = {":zero": 0, ":one": 1}
    names: dict[str, str] = {}
    if fee:
        expression += ["#lines = list_append(#lines, :line)", "total_cents = total_cents + :fee",
                       "reinstated_on = :today"]
        names["#lines"] = "lines"
        values.update({":line": [dues.fee_line(invoice)], ":fee": dues.fee_cents(invoice),
                       ":today": as_of.isoformat()})
    update = "SET " + ", ".join(expression) + (" ADD notices :kinds" if kinds else "")
    if kinds:
        values[":kinds"] = set(kinds)
    condition, seen = ("version = :seen_version", {":seen_version": invoice["version"]}) if "version" in invoice \
        else ("attribute_not_exists(version)", {})
    # A notice says what is owed on the run's day (renewal.dues adds the fee
    # line it owes), so it reads the same composed before the update or after.
    mails = [emails.put_op(notices.email(kind, invoice, profile, today=as_of)) for kind in kinds]
    store.transact([store.update_op(keys.invoice_key(int(invoice["renewal_year"]), invoice["member_id"]), update,
                                    condition=condition, names=names or None, values={**values, **seen}),
                    *mails])


def _count_page(run_id: str, page_id: str, counts: Counter[str], *, chain_done: bool) -> dict[str, Any] | None:
    increments = {name: counts.get(name, 0) for name in COUNTERS}
    expression = "ADD pages_seen :page, chains_done :done, " + ", ".join(f"{n} :{n}" for n in COUNTERS)
    try:
        return store.update(keys.run_key(run_id), expression, condition="NOT contains(pages_seen, :this)",
                            values={":page": {page_id}, ":this": page_id, ":done": int(chain_done),
                                    **{f":{k}": v for k, v in increments.items()}}, returns="ALL_NEW")
    except store.ConditionFailed:
        return None  # a concurrent delivery of the same page counted it


# ---------------------------------------------------------------- dead letters


def start_dead_lettered(event: Mapping[str, Any], error: str) -> None:
    """A scheduled start that failed every attempt: recorded as a failed run of
    the day it fired for (`scheduled-{time}`), so the list shows it and the alarm fires."""
    fired = str(event.get("scheduled_time") or "")
    stamp = "".join(c for c in fired if c.isdigit() or c in "TZ") or clock.now().strftime("%Y%m%dT%H%M%SZ")
    run_id, now = f"scheduled-{stamp}", clock.now_iso()
    as_of = _day_fired(fired) or clock.today()
    try:
        store.put({**keys.run_key(run_id), **keys.deadline_runs_index(clock.now_precise_iso(), run_id), "run_id": run_id, "kind": KIND,
                   "as_of": as_of.isoformat(), "status": "failed", "started_at": now, "finished_at": now,
                   "actor": "daily-deadline-schedule", "chains_total": 0, "chains_done": 0,
                   **dict.fromkeys(COUNTERS, 0), "failure": error[:1000]},
                  condition="attribute_not_exists(PK)")
    except store.ConditionFailed:
        return  # recorded before (a second copy of the same firing)
    _failed(run_id, error)


def page_dead_lettered(job: Mapping[str, Any], error: str) -> None:
    """A page that failed every delivery: its renewals (and the pages after it in
    its chain, never sent) were not looked at, so the run ends `failed` now
    rather than wait for a chain that cannot finish. The next run does what was left."""
    try:
        store.update(keys.run_key(job["run_id"]), "SET #status = :failed, finished_at = :now, failure = :error",
                     condition="#status = :running", names={"#status": "status"},
                     values={":failed": "failed", ":now": clock.now_iso(), ":error": error[:1000],
                             ":running": "running"})
    except store.ConditionFailed:
        return  # ended already (or no such run)
    _failed(job["run_id"], error)


def _day_fired(fired: str) -> dt.date | None:
    try:
        moment = dt.datetime.fromisoformat(fired.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(clock.zone()).date() if moment.tzinfo else moment.date()


def _failed(run_id: str, error: str) -> None:
    logger.error("deadline run failed", extra={"run_id": run_id, "error": error})
    telemetry.count(telemetry.RUNS_FAILED)


def _finish_if_done(run: Mapping[str, Any] | None) -> None:
    if not run or run["status"] != "running" or run["chains_done"] < run["chains_total"]:
        return
    status = "failed" if run["failed"] else "completed"
    try:
        store.update(keys.run_key(run["run_id"]), "SET #status = :status, finished_at = :now",
                     condition="#status = :running AND chains_done = chains_total", names={"#status": "status"},
                     values={":status": status, ":now": clock.now_iso(), ":running": "running"})
    except store.ConditionFailed:
        return  # another worker finished it
    if status == "failed":
        _failed(run["run_id"], f"{run['failed']} renewals failed")
