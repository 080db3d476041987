"""`make bench` (python -m bench): AWS calls and latency per operation, cold
start per function; prints a table and writes bench/results.json.

    python -m bench [--iterations N] [--cold-runs N] [--only api|cold] [--no-write] [--strict]

Environment: BENCH_ITERATIONS, BENCH_COLD_RUNS (the flags win).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import harness

RESULTS = Path(__file__).with_name("results.json")


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=int(os.environ.get("BENCH_ITERATIONS", "200")),
                        help="timed requests per operation (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per operation first (default 10)")
    parser.add_argument("--cold-runs", type=int, default=int(os.environ.get("BENCH_COLD_RUNS", "7")),
                        help="fresh interpreters per function and per baseline (default 7)")
    parser.add_argument("--only", choices=("api", "cold", "payments", "invoice-run", "import", "reports"),
                        help="run one part only")
    parser.add_argument("--members", type=int, default=int(os.environ.get("BENCH_MEMBERS", "10000")),
                        help="members in the invoice-run benchmark (default 10,000)")
    parser.add_argument("--import-rows", type=int, default=int(os.environ.get("BENCH_IMPORT_ROWS", "10000")),
                        help="rows in the member-import benchmark (default 10,000)")
    parser.add_argument("--email-rate", type=float, default=float(os.environ.get("BENCH_EMAIL_RATE", "100")),
                        help="e-mails a second the invoice run's notices are sent at (default 100; 0: not sent)")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results.json")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal fails")
    return parser.parse_args(argv)


def _calls(calls: dict[str, int]) -> str:
    return ", ".join(f"{name} x{count}" for name, count in calls.items()) or "-"


def _table(headers: list[str], rows: list[list[Any]], right: set[int]) -> str:
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))

    return "\n".join([line(cells[0]), line(["-" * w for w in widths]), *(line(r) for r in cells[1:])])


def goals(operations: list[dict[str, Any]], cold: list[dict[str, Any]], money: list[dict[str, Any]] | None = None,
          invoice_run: dict[str, Any] | None = None, member_import: dict[str, Any] | None = None,
          staff: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    found = []
    if staff:
        sizes = staff["sizes"]
        found.append({"goal": "a page of GET /admin/renewals?status=lapsed: at most 3 DynamoDB calls, the same at "
                              "every size", "measured": {s["members"]: s["page"]["total"] for s in sizes},
                      "pass": staff["page_calls_constant"] and all(s["page"]["total"] <= 3 for s in sizes)})
        found.append({"goal": "GET /admin/summary: at most 5 DynamoDB calls, the same at every size",
                      "measured": {s["members"]: s["summary"]["total"] for s in sizes},
                      "pass": staff["summary_calls_constant"] and all(s["summary"]["total"] <= 5 for s in sizes)})
        found.append({"goal": "deadline run: at most 1.5 DynamoDB calls per renewal, exact counts",
                      "measured": {s["members"]: s["deadline_run"]["per_renewal"] for s in sizes},
                      "pass": all(s["deadline_run"]["per_renewal"] <= 1.5 and s["deadline_run"]["exact"]
                                  for s in sizes)})
    if member_import:
        found.append({"goal": "member import: at most 1.5 DynamoDB calls per row; every row created, then unchanged",
                      "measured": member_import["dynamodb_calls_per_row"], "pass": member_import["pass"]})
    for row in money or []:
        if row["operation"].startswith("POST /webhooks/stripe"):
            found.append({"goal": f"{row['operation']} costs at most 3 DynamoDB calls",
                          "measured": row["dynamodb_calls_total"], "pass": row["dynamodb_calls_total"] <= 3})
    if invoice_run:
        found.append({"goal": "invoice run: at most 2 DynamoDB calls per member, run completed",
                      "measured": invoice_run["dynamodb_calls_per_member"], "pass": invoice_run["pass"]})
    notices = (invoice_run or {}).get("notices")
    if notices:
        found.append({"goal": f"the run's notices: each sent once, none lost, at most "
                              f"{notices['rate_set_per_second']:g}/s (faults injected)",
                      "measured": f"{notices['sent']} sent, {notices['lost']} lost, {notices['sent_twice']} twice, "
                                  f"{notices['rate_measured_per_second']}/s, busiest second "
                                  f"{notices['most_sends_in_one_second']}",
                      "pass": notices["pass"]})
    by_name = {row["operation"]: row for row in operations}
    if "GET /me" in by_name:
        me = by_name["GET /me"]
        found.append({
            "goal": "GET /me costs one DynamoDB call",
            "measured": me["aws_calls"],
            "pass": me["aws_calls_total"] == 1 and all(k.startswith("DynamoDB.") for k in me["aws_calls"]),
        })
    if operations:
        scans = [row["operation"] for row in operations if "DynamoDB.Scan" in row["aws_calls"]]
        found.append({"goal": "No Scan on any request path", "measured": scans or "none", "pass": not scans})
    for row in cold:
        found.append({
            "goal": f"{row['function']} cold start <= {row['goal']}x boto3 + DynamoDB client",
            "measured": row["ratio"],
            "pass": row["pass"],
        })
    return found


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    operations: list[dict[str, Any]] = []
    cold: list[dict[str, Any]] = []
    money: list[dict[str, Any]] = []
    invoice_run: dict[str, Any] | None = None
    staff: dict[str, Any] | None = None
    member_import: dict[str, Any] | None = None

    if args.only in (None, "cold"):
        # First, while this process has imported nothing heavy (its own page cache
        # and CPU use do not matter to the subprocesses, but keep it quiet).
        from bench import cold_start

        print(f"cold start: {args.cold_runs} rounds of fresh interpreters (every function, each run after a "
              f"baseline run; best runs compared) ...", flush=True)
        cold = cold_start.run(runs=args.cold_runs)
    if args.only in (None, "api"):
        from bench import api_calls

        print(f"operations: {args.iterations} requests each, in process on moto ...", flush=True)
        operations = api_calls.run(iterations=args.iterations, warmup=args.warmup)

    if args.only in (None, "payments"):
        from bench import payments

        print(f"payments: {args.iterations} requests each, in process on moto ...", flush=True)
        money = payments.run(iterations=args.iterations)
    if args.only in (None, "invoice-run"):
        from bench import invoice_run as invoice_run_bench

        print(f"invoice run: {args.members} members, in process on moto ...", flush=True)
        invoice_run = invoice_run_bench.run(members=args.members, email_rate=args.email_rate)
    if args.only in (None, "import"):
        from bench import member_import as member_import_bench

        print(f"member import: {args.import_rows} rows, in process on moto ...", flush=True)
        member_import = member_import_bench.run(rows=args.import_rows)

    if args.only in (None, "reports"):
        from bench import reports

        print(f"reports: {', '.join(str(n) for n in reports.SIZES)} members, in process on moto ...", flush=True)
        staff = reports.run()

    if operations:
        print("\nAWS calls and latency per operation (in process, moto; latency includes moto)\n")
        print(_table(
            ["operation", "AWS calls per request", "total", "median ms", "p95 ms", "in AWS ms"],
            [[r["operation"], _calls(r["aws_calls"]) + ("" if r["aws_calls_stable"] else " (varies)"),
              r["aws_calls_total"], f"{r['latency']['median_ms']:.2f}", f"{r['latency']['p95_ms']:.2f}",
              f"{r['aws_time_median_ms']:.2f}"] for r in operations],
            right={2, 3, 4, 5},
        ))
    if cold:
        print("\nCold start: handler import in a fresh interpreter vs. import boto3 + one DynamoDB client "
              "(best runs)\n")
        print(_table(
            ["function", "import ms", "baseline ms", "ratio", "goal", "", "median pair", "cpu ratio", "modules",
             "+ client ms", "ratio"],
            [[r["function"], f"{r['import_best_ms']:.1f}", f"{r['baseline_best_ms']:.1f}", f"{r['ratio']:.2f}",
              f"<= {r['goal']}", "ok" if r["pass"] else "OVER", f"{r['median_pair_ratio']:.2f}",
              f"{r['cpu_ratio']:.2f}", r["modules_loaded"],
              "-" if r["with_client_best_ms"] is None else f"{r['with_client_best_ms']:.1f}",
              "-" if r["with_client_ratio"] is None else f"{r['with_client_ratio']:.2f}"] for r in cold],
            right={1, 2, 3, 7, 8, 9, 10},
        ))
    if money:
        print("\nMoney paths (in process, moto; each request a different invoice)\n")
        print(_table(
            ["operation", "AWS calls per request", "DynamoDB", "median ms", "p95 ms"],
            [[r["operation"], _calls(r["aws_calls"]) + ("" if r["aws_calls_stable"] else " (varies)"),
              r["dynamodb_calls_total"], f"{r['latency']['median_ms']:.2f}", f"{r['latency']['p95_ms']:.2f}"]
             for r in money],
            right={2, 3, 4},
        ))
    if invoice_run:
        r = invoice_run
        print(f"\nInvoice run: {r['members']} members in {r['seconds']} s = {r['members_per_second']} members/s "
              f"({r['lambda_invocations']} invocations), {r['status']}, counts {r['counts']}")
        print(f"  DynamoDB calls per member: {r['dynamodb_calls_per_member']} ({_calls(r['dynamodb_calls'])}); "
              f"other AWS calls: {_calls(r['other_aws_calls'])}")
        print(f"  bare conditional PutItem on the same backend: {r['bare_conditional_puts_per_second']}/s; "
              f"run / bare = {r['ratio_to_bare_puts']}")
        n = r.get("notices")
        if n:
            print(f"\nNotices: {n['notices_expected']} invoices, {n['queued_by_the_pipe']} queued by the outbox pipe, "
                  f"{n['sent']} sent in {n['seconds']} s by {n['senders']} senders at {n['rate_set_per_second']:g}/s "
                  f"set: {n['rate_measured_per_second']}/s measured, busiest second {n['most_sends_in_one_second']}")
            print(f"  faults: {n['faults']}; lost {n['lost']}, sent twice {n['sent_twice']}, "
                  f"dead-lettered {n['dead_lettered']}")
    if staff:
        print("\nStaff work at scale (in process, moto): DynamoDB calls\n")
        print(_table(
            ["members", "page (lapsed)", "summary", "export (all rows)", "per row", "deadline run", "per renewal",
             "deadline counts", "202 in s"],
            [[s["members"], s["page"]["total"], s["summary"]["total"], s["export"]["total"], s["export"]["per_row"],
              sum(s["deadline_run"]["dynamodb_calls"].values()), s["deadline_run"]["per_renewal"],
              "exact" if s["deadline_run"]["exact"] else f"WRONG {s['deadline_run']['counts']}",
              s["deadline_run"]["answered_202_in_s"]] for s in staff["sizes"]],
            right={0, 1, 2, 3, 4, 5, 6, 8},
        ))
    if member_import:
        r = member_import
        print(f"\nMember import: {r['rows']} rows ({r['file_bytes'] // 1024} KB) in {r['seconds']} s = "
              f"{r['rows_per_second']} rows/s ({r['lambda_invocations']} invocations), {r['status']}, "
              f"counts {r['counts']}")
        print(f"  DynamoDB calls per row: {r['dynamodb_calls_per_row']} ({_calls(r['dynamodb_calls'])}); "
              f"other AWS calls: {_calls(r['other_aws_calls'])}")
        print(f"  the same file again: {r['again']['status']} in {r['again']['seconds']} s = "
              f"{r['again']['rows_per_second']} rows/s, counts {r['again']['counts']}, "
              f"{r['again']['dynamodb_calls_per_row']} DynamoDB calls per row")
        print(f"  bare conditional PutItem on the same backend: {r['bare_conditional_puts_per_second']}/s; "
              f"import / bare = {r['ratio_to_bare_puts']}")
    checked = goals(operations, cold, money, invoice_run, member_import, staff)
    print("\nGoals")
    for goal in checked:
        print(f"  {'PASS' if goal['pass'] else 'FAIL'}  {goal['goal']}  (measured: {goal['measured']})")
    elapsed = time.perf_counter() - started
    load = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    print(f"\n{elapsed:.1f} s; load average {load['before']} before, {load['after']} after, {load['cpus']} CPUs")
    if max(load["before"], load["after"]) > 0.5 * (os.cpu_count() or 1):
        print("  the machine was busy with other work: wall times (and the ratios) are noisy; compare the cpu ratio")

    if not args.no_write:
        results = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": {**harness.machine_info(), "load_average_1min": load},
            "settings": {"iterations": args.iterations, "warmup": args.warmup, "cold_runs": args.cold_runs,
                         "members": args.members, "import_rows": args.import_rows, "only": args.only},
            "operations": operations,
            "cold_start": cold,
            "payments": money,
            "invoice_run": invoice_run,
            "reports": staff,
            "member_import": member_import,
            "goals": checked,
            "all_goals_pass": all(g["pass"] for g in checked),
            "seconds": round(elapsed, 1),
        }
        partial = RESULTS.with_suffix(".json.tmp")
        partial.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        partial.replace(RESULTS)
        print(f"wrote {RESULTS.relative_to(harness.ROOT)}")
    return 1 if args.strict and not all(g["pass"] for g in checked) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
