"""Member imports on moto: a staff upload, a dry run, the import itself over
the import-job queue, the error file, idempotency, redelivery and races."""

import codecs
import csv
import io
import json
import threading

import boto3
import pytest
import requests

from renewal import keys
from renewal.adapters import store
from tests.integration.conftest import QUEUES, STAFF, drain, member_claims
from tests.integration.payloads import RULE_SET_2027, fresh

HEADER = ("member_id,first_name,last_name,email,phone,address_line1,address_line2,city,state,postal_code,country,"
          "affiliate,credentials,renewed_through")


def line(member_id, first="Ana", last="Díaz", email=None, credentials="CAM:2019-05-04;NALP:2020-02-01",
         renewed_through="2026", affiliate="AASC", address=("1 Main St", "", "Denver", "CO", "80202", "US"),
         phone="(303) 492-1411"):
    email = email if email is not None else f"{member_id.lower()}@example.org"
    values = [member_id, first, last, email, phone, *address, affiliate, credentials, renewed_through]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


def csv_file(*lines, bom=True):
    text = HEADER + "\r\n" + "".join(lines)
    return (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")


def upload(api, data, content_type="text/csv"):
    reply = api.request("POST", "/admin/uploads", claims=STAFF, body={"content_type": content_type,
                                                                      "size_bytes": len(data)})
    assert reply.status == 201, reply.text
    target = reply.json()
    sent = requests.post(target["url"], data=target["fields"], files={"file": ("members.csv", data)})
    assert sent.status_code in (200, 204), sent.text
    return target["upload_id"]


def run_import(api, data=None, *, upload_id=None, dry_run=False, invite=False, drain_queue=True):
    upload_id = upload_id or upload(api, data)
    reply = api.request("POST", "/admin/imports", claims=STAFF,
                        body={"upload_id": upload_id, "dry_run": dry_run, "invite": invite})
    assert reply.status == 202, reply.text
    assert reply.json()["status"] == "running"
    if drain_queue:
        drain("ImportJobQueue", "MemberOnboardingFunction")
    return api.request("GET", f"/admin/imports/{reply.json()['import_id']}", claims=STAFF).json()


def counts(run):
    return {k: run[k] for k in ("status", "rows", "created", "updated", "unchanged", "rejected", "invited")}


def error_lines(run):
    assert run["errors_url"], run
    text = requests.get(run["errors_url"]).content.decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def test_import_creates_members_as_put_would(api):
    run = run_import(api, csv_file(line("M-1"), line("M-2", first="Bruno", last="Núñez")))
    assert counts(run) == {"status": "completed", "rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                           "rejected": 0, "invited": 0}
    assert run["errors_url"] is None and run["dry_run"] is False
    member = api.request("GET", "/admin/members/M-2", claims=STAFF).json()
    assert member["last_name"] == "Núñez"
    assert member["contact"]["phone"] == "+13034921411"
    assert [c["code"] for c in member["credentials"]] == ["CAM", "CALP"]


def test_a_dry_run_counts_everything_and_writes_nothing(api):
    api.request("PUT", "/admin/members/M-1", claims=STAFF, body={
        "first_name": "Ana", "last_name": "Old", "contact": {"email": "m-1@example.org"}, "credentials": []})
    data = csv_file(line("M-1"), line("M-2"), line("M-3", email="broken"))
    upload_id = upload(api, data)
    before = store.get(keys.member_key("M-1"))
    run = run_import(api, upload_id=upload_id, dry_run=True)
    assert counts(run) == {"status": "completed", "rows": 3, "created": 1, "updated": 1, "unchanged": 0,
                           "rejected": 1, "invited": 0}
    assert run["dry_run"] is True
    assert error_lines(run)[1][:2] == ["4", "email"]
    assert store.get(keys.member_key("M-1")) == before
    assert api.request("GET", "/admin/members/M-2", claims=STAFF).status == 404
    # The same upload, for real.
    real = run_import(api, upload_id=upload_id)
    assert counts(real) == {**counts(run), "status": "completed"}
    assert api.request("GET", "/admin/members/M-2", claims=STAFF).status == 200


def test_every_kind_of_bad_row_lands_in_the_error_file_and_the_others_are_imported(api):
    latin1_row = line("M-6", first="José").encode("latin-1")
    data = csv_file(
        line("M-1"),
        line("M-2", email="ana(at)example.org"),
        line("M-3", credentials="CAM:2019-05-04;XYZ:2020-01-01"),
        line("M-4", credentials="CAM:2027-03-01"),
        line("M-5", last=""),
        line("M-7"), line("M-7", first="Twin"),
    ) + latin1_row + line("M-8").encode()
    run = run_import(api, data)
    assert counts(run) == {"status": "completed", "rows": 9, "created": 2, "updated": 0, "unchanged": 0,
                           "rejected": 7, "invited": 0}
    rows = error_lines(run)
    assert rows[0] == ["row", "column", "message"]
    found = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert set(found) == {("3", "email"), ("4", "credentials"), ("5", "credentials"), ("6", "last_name"),
                          ("7", "member_id"), ("8", "member_id"), ("9", "first_name")}
    assert "@-sign" in found[("3", "email")]
    assert found[("4", "credentials")].startswith("Unknown credential code 'XYZ'; the codes are CAM, CALP")
    assert "future" in found[("5", "credentials")]
    assert "also on row 8" in found[("7", "member_id")] and "also on row 7" in found[("8", "member_id")]
    assert "not UTF-8 (0xE9)" in found[("9", "first_name")]
    assert {m for m in ("M-1", "M-8") if api.request("GET", f"/admin/members/{m}", claims=STAFF).status == 200} \
        == {"M-1", "M-8"}
    for member_id in ("M-2", "M-3", "M-4", "M-5", "M-6", "M-7"):
        assert store.get(keys.member_key(member_id)) is None, member_id


@pytest.mark.parametrize("data, says, column", [
    ((HEADER.replace(",last_name", "") + "\r\n" + "M-1,Ana,a@example.org,,,,,,,,,CAM:2019-05-04,\r\n").encode(),
     "no last_name column", "last_name"),
    (codecs.BOM_UTF16_LE + (HEADER + "\r\n" + line("M-1")).encode("utf-16-le"), "UTF-16", ""),
])
def test_a_file_that_cannot_be_read_fails_with_a_sentence_and_writes_nothing(api, data, says, column):
    run = run_import(api, data)
    assert run["status"] == "failed" and says in run["message"]
    assert run["rows"] is None and run["created"] == 0
    assert error_lines(run)[1][:2] == ["1", column]
    assert store.get(keys.member_key("M-1")) is None


def test_the_same_file_twice_changes_nothing_the_second_time(api):
    data = csv_file(*(line(f"M-{n}") for n in range(5)))
    assert counts(run_import(api, data))["created"] == 5
    versions = {n: store.get(keys.member_key(f"M-{n}"))["version"] for n in range(5)}
    history = api.request("GET", "/admin/members/M-0/history", claims=STAFF).json()["items"]
    again = run_import(api, data)
    assert counts(again) == {"status": "completed", "rows": 5, "created": 0, "updated": 0, "unchanged": 5,
                             "rejected": 0, "invited": 0}
    assert {n: store.get(keys.member_key(f"M-{n}"))["version"] for n in range(5)} == versions
    assert api.request("GET", "/admin/members/M-0/history", claims=STAFF).json()["items"] == history


def test_a_changed_row_updates_the_member_with_an_audit_entry_naming_the_import(api):
    run_import(api, csv_file(line("M-1")))
    changed = run_import(api, csv_file(line("M-1", last="Díaz-López", renewed_through="2025")))
    assert counts(changed)["updated"] == 1
    history = api.request("GET", "/admin/members/M-1/history", claims=STAFF).json()["items"]
    assert [h["action"] for h in history] == ["member.import.created", "member.import.updated"]
    last = history[-1]
    assert last["actor"] == f"naaei:staff-1 (import {changed['import_id']})"
    assert last["changes"] == {"last_name": {"from": "Díaz", "to": "Díaz-López"},
                               "renewed_through": {"from": 2026, "to": 2025}}
    search = api.request("GET", "/admin/members", claims=STAFF, query="q=lopez").json()["items"]
    assert [m["member_id"] for m in search] == ["M-1"]


def test_a_staff_edit_keeps_the_imported_history(api):
    run_import(api, csv_file(line("M-1", renewed_through="2026")))
    body = {"first_name": "Ana", "last_name": "Díaz", "contact": {"email": "m-1@example.org"},
            "credentials": [{"code": "CAM", "earned_on": "2019-05-04"}]}
    assert api.request("PUT", "/admin/members/M-1", claims=STAFF, body=body).status == 200
    assert store.get(keys.member_key("M-1"))["settled_through"] == 2026


def _messages(queue):
    sqs = boto3.client("sqs")
    found = []
    while True:
        batch = sqs.receive_message(QueueUrl=QUEUES[queue], MaxNumberOfMessages=10, VisibilityTimeout=0,
                                    MessageSystemAttributeNames=["All"]).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            sqs.delete_message(QueueUrl=QUEUES[queue], ReceiptHandle=message["ReceiptHandle"])
        found += batch


def test_a_redelivered_batch_counts_once(api):
    run = run_import(api, csv_file(*(line(f"M-{n}") for n in range(3))), drain_queue=False)
    drain("ImportJobQueue", "MemberOnboardingFunction")
    from renewal import imports

    # The split's batch, delivered again after the run completed (SQS delivers at least once).
    record = store.get(keys.import_key(run["import_id"]))
    assert record["batches_seen"] == {"00000"}
    rows = [{"row": n + 2, "values": next(csv.reader([line(f"M-{n}")])), "problems": []} for n in range(3)]
    imports.process_job({"kind": "rows", "import_id": run["import_id"], "batch_id": "00000", "rows": rows})
    after = api.request("GET", f"/admin/imports/{run['import_id']}", claims=STAFF).json()
    assert counts(after) == {"status": "completed", "rows": 3, "created": 3, "updated": 0, "unchanged": 0,
                             "rejected": 0, "invited": 0}


def test_a_batch_that_failed_after_writing_counts_its_rows_as_created_once(api, monkeypatch):
    from renewal import imports

    real = imports.store.batch_write
    calls = {"n": 0}

    def audit_write_fails_once(*, puts=(), deletes=()):
        if puts and puts[0]["SK"].startswith("AUDIT#") and not calls["n"]:
            calls["n"] += 1
            raise RuntimeError("lost the connection after writing the members")
        return real(puts=puts, deletes=deletes)

    monkeypatch.setattr(imports.store, "batch_write", audit_write_fails_once)
    run = run_import(api, csv_file(line("M-1"), line("M-2")))
    assert calls["n"] == 1
    assert counts(run) == {"status": "completed", "rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                           "rejected": 0, "invited": 0}
    history = api.request("GET", "/admin/members/M-1/history", claims=STAFF).json()["items"]
    assert [h["action"] for h in history] == ["member.import.created"]


def test_two_imports_at_once_never_interleave_one_members_fields(api, serialized_calls, monkeypatch):
    from renewal import imports

    first = run_import(api, csv_file(line("M-1", first="Ana", last="Alpha", email="alpha@example.org")),
                       drain_queue=False)
    second = run_import(api, csv_file(line("M-1", first="Bea", last="Beta", email="beta@example.org")),
                        drain_queue=False)
    for message in _messages("ImportJobQueue"):
        imports.process_job(json.loads(message["Body"]))  # the two splits
    batches = [json.loads(m["Body"]) for m in _messages("ImportJobQueue")]
    assert len(batches) == 2
    # Both batches read the member before either writes it.
    barrier = threading.Barrier(2)
    real_get = imports.store.batch_get

    def read_together(keys_):
        found = real_get(keys_)
        barrier.wait(timeout=10)
        return found

    monkeypatch.setattr(imports.store, "batch_get", read_together)
    threads = [threading.Thread(target=imports.process_job, args=(job,)) for job in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = store.get(keys.member_key("M-1"))
    whole = (stored["first_name"], stored["last_name"], stored["contact"]["email"])
    assert whole in {("Ana", "Alpha", "alpha@example.org"), ("Bea", "Beta", "beta@example.org")}
    runs = [api.request("GET", f"/admin/imports/{r['import_id']}", claims=STAFF).json() for r in (first, second)]
    assert sorted((r["created"], r["updated"]) for r in runs) == [(0, 1), (1, 0)]
    # The directory describes what is stored, not what lost.
    from renewal import directory

    entries = {item["SK"]: item for item in store.query_all(keys.directory_pk("M-1"))}
    assert set(entries) == set(directory.entries(stored))
    assert {e["email"] for e in entries.values()} == {stored["contact"]["email"]}


def test_renewed_through_makes_statuses_right_without_invoices(api):
    run_import(api, csv_file(line("M-1", renewed_through="2026"), line("M-2", renewed_through="2024"),
                             line("M-3", renewed_through=""), line("M-4", renewed_through="2025")))
    # Today is 2026-11-28 (conftest).
    def credential(member_id):
        return api.request("GET", f"/admin/members/{member_id}", claims=STAFF).json()["credentials"][0]

    assert credential("M-1") == {"code": "CAM", "earned_on": "2019-05-04", "status": "active",
                                 "renewed_through": 2026}
    assert credential("M-2")["status"] == "lapsed" and credential("M-2")["renewed_through"] == 2024
    assert credential("M-3") == {"code": "CAM", "earned_on": "2019-05-04", "status": "active",
                                 "renewed_through": None}
    # Behind on the current year only: this year's rule set says whether its grace is over.
    assert credential("M-4")["status"] == "active"
    rules_2026 = {**fresh(RULE_SET_2027), "renewal_year": 2026, "due_date": "2026-01-01", "grace_ends": "2026-03-31",
                  "earning_window": {"start": "2025-01-01", "end": "2025-12-31"}}
    assert api.request("PUT", "/admin/rule-sets/2026", claims=STAFF, body=rules_2026).status == 200
    assert credential("M-4")["status"] == "lapsed"
    renewal = api.request("GET", "/me/renewals/2026", claims=member_claims("M-1")).json()
    assert (renewal["status"], renewal["paid"], renewal["cec_complete"], renewal["invoice_id"]) == \
        ("renewed", True, True, None)
    assert api.request("GET", "/me/renewals/2026", claims=member_claims("M-4")).json()["status"] == "lapsed"
    assert not [i for i in store.query_all(keys.member_pk("M-1")) if i["SK"].startswith("INVOICE#")]


def test_a_year_settled_before_is_not_invoiced_again(api):
    assert api.request("PUT", "/admin/rule-sets/2027", claims=STAFF, body=fresh(RULE_SET_2027)).status == 200
    run_import(api, csv_file(line("M-1", renewed_through="2027"), line("M-2", renewed_through="2026")))
    reply = api.request("POST", "/admin/invoice-runs", claims=STAFF, body={"renewal_year": 2027})
    drain("InvoiceJobQueue", "InvoiceGenerationFunction")
    run = api.request("GET", f"/admin/invoice-runs/{reply.json()['run_id']}", claims=STAFF).json()
    assert (run["invoices_created"], run["already_invoiced"]) == (1, 1)
    assert api.request("GET", "/me/renewals/2027", claims=member_claims("M-1")).json()["status"] == "renewed"


def test_invite_creates_accounts_once(api):
    data = csv_file(line("M-1"), line("M-2", email=""))
    run = run_import(api, data, invite=True)
    assert counts(run)["invited"] == 1
    cognito = boto3.client("cognito-idp")
    from tests.integration.conftest import POOL

    (user,) = cognito.list_users(UserPoolId=POOL["UserPool"], Filter='email = "m-1@example.org"')["Users"]
    attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
    assert attributes["custom:member_id"] == "M-1" and user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    groups = cognito.admin_list_groups_for_user(UserPoolId=POOL["UserPool"], Username=user["Username"])["Groups"]
    assert [g["GroupName"] for g in groups] == ["member"]
    assert api.request("GET", "/admin/members/M-1", claims=STAFF).json()["account"]["status"] == "invited"
    assert counts(run_import(api, data, invite=True))["invited"] == 0


@pytest.mark.parametrize("body, field", [
    ({"content_type": "text/csv", "size_bytes": 50 * 1024 * 1024 + 1}, "size_bytes"),
    ({"content_type": "application/pdf", "size_bytes": 10}, "content_type"),
    ({"content_type": "text/csv", "size_bytes": 0}, "size_bytes"),
])
def test_bad_uploads_are_422(api, body, field):
    reply = api.request("POST", "/admin/uploads", claims=STAFF, body=body)
    assert reply.status == 422 and reply.json()["error"]["details"][0]["field"] == field


def test_an_import_needs_an_uploaded_file(api):
    reply = api.request("POST", "/admin/imports", claims=STAFF, body={"upload_id": "IU-0000000000000000"})
    assert reply.status == 422 and reply.json()["error"]["message"] == "No such upload."
    target = api.request("POST", "/admin/uploads", claims=STAFF,
                         body={"content_type": "text/csv", "size_bytes": 10}).json()
    reply = api.request("POST", "/admin/imports", claims=STAFF, body={"upload_id": target["upload_id"]})
    assert reply.status == 422 and "not been uploaded" in reply.json()["error"]["message"]
    assert api.request("GET", "/admin/imports", claims=STAFF).json()["items"] == []


def test_imports_are_listed_newest_first_and_need_staff(api):
    one = run_import(api, csv_file(line("M-1")), dry_run=True)
    two = run_import(api, csv_file(line("M-2")))
    listed = api.request("GET", "/admin/imports", claims=STAFF).json()["items"]
    assert [r["import_id"] for r in listed] == [two["import_id"], one["import_id"]]
    member = member_claims("M-1")
    assert api.request("GET", "/admin/imports", claims=member).status == 403
    assert api.request("POST", "/admin/uploads", claims=member,
                       body={"content_type": "text/csv", "size_bytes": 10}).status == 403
    assert api.request("GET", f"/admin/imports/{'0' * 32}", claims=STAFF).status == 404
