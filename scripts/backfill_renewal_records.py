"""One-off: gives the invoices written before renewal records existed their
record, their entry in the record index (GSI4) and their share of the year's
totals, and drops their old index entry (GSI1 `RENEWALS#{year}`).

    AWS_PROFILE=... TABLE_NAME=<the stack's TableName output> \\
        .venv/bin/python -m scripts.backfill_renewal_records [--year 2027 ...]

Each invoice is brought over in one transaction (its record, its totals), the
same write every other path makes, guarded by the invoice's version: safe
while the API serves traffic, and safe to run again (an invoice that has its
record is skipped). Without --year, every year that has a rule set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "shared" / "python"))


def backfill(years: list[int] | None = None) -> dict[int, int]:
    """{year: invoices given a record}."""
    from renewal import invoices, keys, records
    from renewal.adapters import store

    if not years:
        years = [int(r["renewal_year"]) for r in store.query_all(keys.RULE_SETS_PARTITION, index=keys.GSI1)]
    done: dict[int, int] = {}
    for year in years:
        done[year] = 0
        for indexed in store.query_all(keys.legacy_renewals_partition(year), index=keys.GSI1):
            for _ in range(5):
                items = list(store.query_all(keys.member_pk(indexed["member_id"])))
                invoice = next((i for i in items if i["SK"] == keys.invoice_sk(year)), None)
                if invoice is None or invoice.get("record"):
                    break
                profile = next((i for i in items if i["SK"] == keys.PROFILE), {})
                updated = {**records.with_record({**invoice, "affiliate": profile.get("affiliate")}, items),
                           "GSI1PK": None, "GSI1SK": None}
                try:
                    store.transact(invoices.save_ops(invoice, updated))
                except store.ConditionFailed:
                    continue  # changed meanwhile (a payment): read it again
                done[year] += 1
                break
    return done


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.backfill_renewal_records", description=__doc__)
    parser.add_argument("--year", type=int, action="append", help="a renewal year (repeat for several)")
    arguments = parser.parse_args(argv)
    for year, count in backfill(arguments.year).items():
        print(f"{year}: {count} invoices given their renewal record")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
