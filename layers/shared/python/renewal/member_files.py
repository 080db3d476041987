"""Member files: the CSV an institute brings from its previous system, read
the way spreadsheets write it, and each row turned into the same member record
`PUT /admin/members/{member_id}` takes.

- UTF-8, with or without the byte-order mark Excel writes; Windows line
  endings; quoted fields holding commas, quotes and line breaks. A file in
  another encoding is refused with a sentence saying how to save it; a row with
  bytes that are not UTF-8 (one pasted from an old system) is rejected alone.
- A header row names the columns, in any order; a column the header leaves out
  is empty on every row. Unknown columns refuse the file: a misspelt column
  would otherwise wipe that field on every member.
- `row` numbers are the spreadsheet's: the header is row 1.

Pure functions: no AWS here.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from renewal import clock, members
from renewal.credentials import CredentialCode
from renewal.errors import ValidationFailed

COLUMNS = ("member_id", "first_name", "last_name", "email", "phone", "address_line1", "address_line2", "city",
           "state", "postal_code", "country", "affiliate", "credentials", "renewed_through")
# Without these a row cannot be a member, or an import would silently drop what
# the member holds: the header must name them.
REQUIRED_COLUMNS = ("member_id", "first_name", "last_name", "email", "credentials")
ADDRESS_COLUMNS = {"line1": "address_line1", "line2": "address_line2", "city": "city", "state": "state",
                   "postal_code": "postal_code", "country": "country"}
# A row longer than this is not a member record (and would not fit a queue message).
MAX_ROW_CHARS = 4000
SAVE_AS = "Save it from the spreadsheet as \"CSV UTF-8 (comma delimited)\" and upload it again."


class FileRefused(Exception):
    """The file as a whole cannot be read (encoding, header): nothing is imported."""

    def __init__(self, message: str, column: str = ""):
        super().__init__(message)
        self.message, self.column = message, column


@dataclass
class Problem:
    column: str
    message: str


@dataclass
class Row:
    number: int
    values: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    @property
    def member_id(self) -> str:
        return self.values.get("member_id", "").strip()


@dataclass
class MemberRow:
    """A valid row: the member as PUT would take it, and its renewal history."""

    member_id: str
    member: members.MemberIn
    settled_through: int | None


# ---------------------------------------------------------------- the file


def decode(data: bytes) -> str:
    """The file's text. Bytes that are not UTF-8 survive as lone surrogates, so the
    rows holding them can be rejected one by one (`Row.problems`)."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise FileRefused(f"The file is UTF-32 text, not UTF-8. {SAVE_AS}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused(f"The file is UTF-16 (\"Unicode text\"), not UTF-8. {SAVE_AS}")
    if data.startswith(b"PK\x03\x04"):
        raise FileRefused(f"The file is an Excel workbook (.xlsx), not a CSV file. {SAVE_AS}")
    if b"\x00" in data[:4096]:
        raise FileRefused(f"The file holds NUL bytes: it is not UTF-8 text. {SAVE_AS}")
    return data.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="surrogateescape")


def _undecodable(text: str) -> str | None:
    """The first byte that was not UTF-8, as 0xE9, or None."""
    match = re.search("[\udc80-\udcff]", text)
    return f"0x{ord(match.group()) - 0xDC00:02X}" if match else None


def read(data: bytes) -> Iterator[Row]:
    """Every data row of the file (blank rows skipped), each with the problems
    found in the file itself, one at a time (a 50 MB file is never held as rows);
    FileRefused, before the first row, when the file cannot be read at all."""
    text = decode(data)
    records = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(records, None)
    except csv.Error as error:
        raise FileRefused(f"The header row is not valid CSV: {error}.") from None
    if header is None or not any(cell.strip() for cell in header):
        raise FileRefused("The file is empty: it needs a header row naming the columns, then one row per member.")
    names = [cell.strip().lower() for cell in header]
    bad_byte = _undecodable(",".join(names))
    if bad_byte:
        raise FileRefused(f"The header row has a byte that is not UTF-8 ({bad_byte}). {SAVE_AS}")
    _check_header(names)
    return _rows(records, names)


def _rows(records: Iterator[list[str]], names: list[str]) -> Iterator[Row]:
    number = 1
    while True:
        number += 1
        try:
            record = next(records)
        except StopIteration:
            return
        except csv.Error as error:
            # An unterminated quote swallows the rest of the file: say where it starts.
            yield Row(number, {}, [Problem("", f"Not valid CSV from this row on: {error}.")])
            return
        if any(cell.strip() for cell in record):
            yield _row(number, names, record)


def _check_header(names: list[str]) -> None:
    named = [n for n in names if n]
    unknown = [n for n in named if n not in COLUMNS]
    if unknown:
        raise FileRefused(f"Unknown column {', '.join(repr(n) for n in unknown)}; the columns are "
                          f"{', '.join(COLUMNS)}.", column=unknown[0])
    twice = sorted({n for n in named if named.count(n) > 1})
    if twice:
        raise FileRefused(f"The column {', '.join(twice)} appears twice in the header.", column=twice[0])
    missing = [n for n in REQUIRED_COLUMNS if n not in named]
    if missing:
        raise FileRefused(f"The header has no {', '.join(missing)} column; every file needs "
                          f"{', '.join(REQUIRED_COLUMNS)}.", column=missing[0])


def _row(number: int, names: list[str], record: list[str]) -> Row:
    problems: list[Problem] = []
    extra = [cell for cell in record[len(names):] if cell.strip()]
    if extra:
        problems.append(Problem("", f"The row has {len(record)} values but the header names {len(names)} columns "
                                    "(a comma inside a value needs the value in double quotes)."))
    values = {name: (record[n] if n < len(record) else "") for n, name in enumerate(names) if name}
    joined = "".join(values.values())
    if len(joined) > MAX_ROW_CHARS:
        problems.append(Problem("", f"The row is longer than {MAX_ROW_CHARS} characters."))
        values = {"member_id": values.get("member_id", "")[:64]}
    bad_byte = _undecodable(joined)
    if bad_byte:
        column = next(name for name, value in values.items() if _undecodable(value))
        problems.append(Problem(column, f"The value has a byte that is not UTF-8 ({bad_byte}); the file was "
                                        f"probably saved as Windows-1252 or Latin-1. {SAVE_AS}"))
        values = {name: value.encode("utf-8", "replace").decode() for name, value in values.items()}
    return Row(number, values, problems)


def repeated_ids(rows: Iterator[Row]) -> dict[str, list[int]]:
    """Member ids on more than one row, with their row numbers."""
    seen: dict[str, list[int]] = {}
    for row in rows:
        if row.member_id:
            seen.setdefault(row.member_id, []).append(row.number)
    return {member_id: numbers for member_id, numbers in seen.items() if len(numbers) > 1}


def mark_duplicates(row: Row, repeated: dict[str, list[int]]) -> Row:
    """A member id on several rows: none of them is imported (which one is right
    is for staff to say)."""
    numbers = repeated.get(row.member_id)
    if numbers:
        others = ", ".join(str(n) for n in numbers if n != row.number)
        row.problems.append(Problem("member_id", f"Member id {row.member_id} is also on row {others} of this "
                                                 "file; keep one row per member."))
    return row


# ---------------------------------------------------------------- one row


def member_row(values: dict[str, str], today: dt.date | None = None) -> MemberRow:
    """The row as a member record, validated as PUT /admin/members/{member_id}
    validates it; ValidationFailed with one detail per bad column otherwise."""
    problems: list[Problem] = []
    member_id = values.get("member_id", "").strip()
    if not re.fullmatch(members.ID_PATTERN.strip("^$"), member_id):
        problems.append(Problem("member_id", "Required: letters, digits and -, at most 64 characters."
                                if member_id else "Required."))
    credentials = _credentials(values.get("credentials", ""), problems)
    settled = _renewed_through(values.get("renewed_through", ""), today or clock.today(), problems)
    body: dict[str, Any] = {
        "first_name": values.get("first_name", ""),
        "last_name": values.get("last_name", ""),
        "affiliate": values.get("affiliate", "").strip() or None,
        "contact": {
            "email": values.get("email", "").strip() or None,
            "phone": values.get("phone", "").strip() or None,
            "address": _address(values),
        },
        "credentials": credentials,
    }
    member = None
    try:
        member = members.MemberIn.model_validate(body)
    except ValidationError as error:
        problems.extend(Problem(_column(e["loc"]), _message(e, e["loc"])) for e in error.errors())
    if member is not None and not problems:
        try:
            members.check_member(member_id, member)
        except ValidationFailed as error:
            problems.append(Problem("credentials", f"{error.message} ({', '.join(error.details[0].get('codes', []))})"))
    if problems:
        raise ValidationFailed("The row is not a valid member.",
                               details=[{"column": p.column, "message": p.message} for p in problems])
    assert member is not None
    return MemberRow(member_id, member, settled)


def _credentials(text: str, problems: list[Problem]) -> list[dict[str, str]]:
    found = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        code, colon, earned_on = (s.strip() for s in part.partition(":"))
        if not colon or not code or not earned_on:
            problems.append(Problem("credentials", f"{part!r} is not CODE:YYYY-MM-DD (for example CAM:2019-05-04)."))
            continue
        found.append({"code": code, "earned_on": earned_on})
    return found


def _renewed_through(text: str, today: dt.date, problems: list[Problem]) -> int | None:
    text = text.strip()
    if not text:
        return None
    # The renewal for next year may already be settled in the autumn; no later.
    if not text.isdigit() or not 2000 <= int(text) <= today.year + 1:
        problems.append(Problem("renewed_through", f"{text!r} is not a renewal year from 2000 to {today.year + 1}."))
        return None
    return int(text)


def _address(values: dict[str, str]) -> dict[str, str] | None:
    given = {field_: values.get(column, "").strip() for field_, column in ADDRESS_COLUMNS.items()}
    if not any(value for name, value in given.items() if name != "country"):
        return None
    return {name: value for name, value in given.items() if value}


def _column(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts[:2] == ["contact", "address"] and len(parts) > 2:
        return ADDRESS_COLUMNS.get(parts[2], "address_line1")
    if parts[:1] == ["contact"] and len(parts) > 1:
        return parts[1]
    return parts[0] if parts else ""


def _message(error: dict[str, Any], loc: tuple[Any, ...] = ()) -> str:
    if error.get("type") == "missing":
        return "Required when the row has an address." if "address" in loc else "Required."
    if error.get("type") == "enum" and loc[:1] == ("credentials",):
        codes = ", ".join(c.value for c in CredentialCode)
        return f"Unknown credential code {error.get('input')!r}; the codes are {codes} (NALP is read as CALP)."
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def errors_csv(errors: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> str:
    """The error file staff download: one line per problem, `row, column, message`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["row", "column", "message"])
    for error in errors:
        writer.writerow([error["row"], error["column"], _spreadsheet_safe(error["message"])])
    return out.getvalue()


def _spreadsheet_safe(text: str) -> str:
    # A cell starting with = + - @ runs as a formula when the file is opened in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
