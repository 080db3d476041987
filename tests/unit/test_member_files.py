"""Reading member files as spreadsheets write them, and each row as PUT would take it."""

import codecs
import datetime as dt

import pytest

from renewal import member_files
from renewal.errors import ValidationFailed

TODAY = dt.date(2026, 11, 28)
HEADER = ",".join(member_files.COLUMNS)


def row(**values):
    base = {"member_id": "M-1", "first_name": "Ana", "last_name": "Díaz", "email": "ana@example.org",
            "phone": "", "address_line1": "", "address_line2": "", "city": "", "state": "", "postal_code": "",
            "country": "", "affiliate": "AASC", "credentials": "CAM:2019-05-04;NALP:2020-02-01",
            "renewed_through": "2026"}
    return {**base, **values}


def problems(values):
    with pytest.raises(ValidationFailed) as raised:
        member_files.member_row(values, TODAY)
    return [(d["column"], d["message"]) for d in raised.value.details]


def test_utf8_with_bom_crlf_and_quoted_commas_and_newlines():
    text = (HEADER + "\r\n"
            + 'M-1,Ana,"Díaz, Jr.",ana@example.org,,"1 Main St\r\nSuite 2",,Denver,CO,80202,,AASC,CAM:2019-05-04,\r\n')
    (only,) = list(member_files.read(codecs.BOM_UTF8 + text.encode()))
    assert only.number == 2 and not only.problems
    assert only.values["last_name"] == "Díaz, Jr."
    assert only.values["address_line1"] == "1 Main St\r\nSuite 2"


def test_rows_are_numbered_as_the_spreadsheet_shows_them_and_blank_rows_skipped():
    text = HEADER + "\n" + 'M-1,Ana,Diaz,a@example.org,,"two\nlines",,,,,,,,\n,,,,,,,,,,,,,\nM-2,Bo,Li,b@example.org,,,,,,,,,,\n'
    assert [r.number for r in member_files.read(text.encode())] == [2, 4]


@pytest.mark.parametrize("data, says", [
    (codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le"), "UTF-16"),
    (b"PK\x03\x04rest-of-a-zip", "Excel workbook"),
    (b"", "empty"),
    (b"member_id,first_name\nM-1,Ana\n", "no last_name, email, credentials column"),
    ((HEADER + ",emial\n").encode(), "Unknown column 'emial'"),
    ((HEADER + ",email\n").encode(), "email appears twice"),
    ("member_id,first_name,last_name,émail,credentials\n".encode("latin-1"), "not UTF-8 (0xE9)"),
])
def test_a_file_that_cannot_be_read_is_refused_with_a_sentence(data, says):
    with pytest.raises(member_files.FileRefused) as refused:
        member_files.read(data)
    assert says in refused.value.message


def test_a_latin1_row_is_rejected_alone():
    good = "M-1,Ana,Diaz,a@example.org,,,,,,,,,CAM:2019-05-04,\n".encode()
    bad = "M-2,José,Núñez,j@example.org,,,,,,,,,CAM:2019-05-04,\n".encode("latin-1")
    first, second = list(member_files.read((HEADER + "\n").encode() + good + bad))
    assert not first.problems
    assert second.problems[0].column == "first_name" and "0xE9" in second.problems[0].message


def test_too_many_values_on_a_row():
    (only,) = list(member_files.read((HEADER + "\nM-1,Ana,Diaz,a@example.org,,,,,,,,,CAM:2019-05-04,,extra\n")
                                     .encode()))
    assert "double quotes" in only.problems[0].message


def test_duplicate_member_ids_reject_every_copy():
    data = (HEADER + "\n" + "\n".join(
        f"{mid},Ana,Diaz,a@example.org,,,,,,,,,CAM:2019-05-04," for mid in ("M-1", "M-2", "M-1"))).encode()
    repeated = member_files.repeated_ids(member_files.read(data))
    rows = [member_files.mark_duplicates(row, repeated) for row in member_files.read(data)]
    assert [[p.message for p in r.problems] for r in rows] == [
        ["Member id M-1 is also on row 4 of this file; keep one row per member."], [],
        ["Member id M-1 is also on row 2 of this file; keep one row per member."]]


def test_a_good_row_is_the_member_put_takes():
    parsed = member_files.member_row(row(address_line1="1 Main St", city="Denver", state="co",
                                         postal_code="80202", phone="(303) 492-1411"), TODAY)
    assert parsed.member_id == "M-1" and parsed.settled_through == 2026
    assert [c.code.value for c in parsed.member.credentials] == ["CAM", "CALP"]  # NALP is CALP
    assert parsed.member.contact.address.state == "CO" and parsed.member.contact.phone == "+13034921411"


@pytest.mark.parametrize("changes, column, says", [
    ({"email": "not-an-address"}, "email", "Not a valid e-mail"),
    ({"credentials": "XYZ:2019-01-01"}, "credentials", "Unknown credential code 'XYZ'"),
    ({"credentials": "CAM 2019-01-01"}, "credentials", "is not CODE:YYYY-MM-DD"),
    ({"credentials": "CAM:2027-01-01"}, "credentials", "cannot be earned in the future"),
    ({"credentials": "CAM:2019-02-30"}, "credentials", "valid date"),
    ({"credentials": "CAM:2019-01-01;CAM:2020-01-01"}, "credentials", "listed twice"),
    ({"last_name": ""}, "last_name", "at least 1 character"),
    ({"member_id": "M 1"}, "member_id", "letters, digits"),
    ({"member_id": ""}, "member_id", "Required"),
    ({"renewed_through": "2031"}, "renewed_through", "2000 to 2027"),
    ({"renewed_through": "last year"}, "renewed_through", "not a renewal year"),
    ({"city": "Denver"}, "address_line1", "Required when the row has an address"),
    ({"address_line1": "1 Main", "city": "Denver", "state": "ZZ", "postal_code": "80202"}, "state", "USPS"),
    ({"country": "CA", "address_line1": "1 Main", "city": "Denver", "state": "CO", "postal_code": "80202"},
     "country", "'US'"),
])
def test_every_kind_of_bad_value_names_its_column(changes, column, says):
    found = problems(row(**changes))
    assert any(c == column and says in m for c, m in found), found


def test_error_file_neutralises_formulas():
    text = member_files.errors_csv([{"row": 2, "column": "email", "message": "=HYPERLINK(\"x\")"}])
    assert text.splitlines()[1] == "2,email,\"'=HYPERLINK(\"\"x\"\")\""
