"""Uploads cannot pile up: a member starts a limited number a day (concurrent
requests included), uploads nobody attaches expire after a day, and a document
a form names is kept where that rule does not reach."""

from __future__ import annotations

import datetime as dt
import threading

import boto3

from local import template
from renewal import clock
from tests.integration.conftest import BUCKET, table_items_with_prefix
from tests.integration.test_cec_rosters_and_forms import (  # noqa: F401 (season is a fixture)
    M1, M2, activity, create_form, put_object, season, start_upload,
)


def test_a_member_starts_at_most_20_uploads_a_day(season):
    api = season
    for _ in range(20):
        assert start_upload(api).status == 201
    refused = start_upload(api)
    assert refused.status == 409 and refused.json()["error"]["code"] == "upload_limit"
    assert len(table_items_with_prefix("MEMBER#M-1", "UPLOAD#")) == 20  # the refused one wrote nothing
    assert start_upload(api, claims=M2).status == 201  # another member's cap is their own
    clock.set_today(clock.today() + dt.timedelta(days=1))
    assert start_upload(api).status == 201


def test_40_uploads_started_at_once_pass_the_cap_20_times(season, serialized_calls):
    api = season
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(start_upload(api).status)) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 20 + [409] * 20
    assert len(table_items_with_prefix("MEMBER#M-1", "UPLOAD#")) == 20


def test_an_upload_expires_after_a_day_unless_a_form_names_it(season):
    api = season
    upload = start_upload(api).json()
    (record,) = table_items_with_prefix("MEMBER#M-1", "UPLOAD#")
    assert 23 * 3600 <= int(record["expires_at"]) - int(dt.datetime.now(dt.UTC).timestamp()) <= 24 * 3600

    put_object(upload["fields"]["key"])
    form = create_form(api, M1, activity(), upload_id=upload["upload_id"])
    assert form.status == 201, form.text
    kept = f"documents/M-1/{upload['upload_id']}"
    s3 = boto3.client("s3")
    assert s3.get_object(Bucket=BUCKET, Key=kept)["Body"].read() == b"%PDF-1.7 scanned certificate"
    assert kept in api.request("GET", f"/me/cec-forms/{form.json()['form_id']}", claims=M1).json()["document_url"]


def test_the_bucket_expires_everything_under_uploads_after_a_day_and_keeps_documents():
    bucket = template.buckets()["DocumentsBucket"]
    rules = bucket["LifecycleConfiguration"]["Rules"]
    expiring = [r for r in rules if r["Status"] == "Enabled" and r.get("ExpirationInDays")]
    assert [(r["Prefix"], r["ExpirationInDays"]) for r in expiring] == [("uploads/", 1)]
    assert expiring[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1  # versioned: old versions go too
    assert not any(r.get("Prefix", "").startswith("documents") for r in rules)
