"""Every CSV the API produces is written here, with formula injection
neutralised: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return would be read as a formula by a spreadsheet, so it is prefixed
with a single quote (OWASP's advice). (defusedcsv does the same for `=+-@|%`
but leaves tab and carriage return alone, hence these few lines.)
Numbers are written as they are: they are never formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Writer:
    """csv.writer with every cell neutralised."""

    def __init__(self, out: Any):
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def text(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV document: one header line, then the rows."""
    out = io.StringIO()
    writer = Writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
