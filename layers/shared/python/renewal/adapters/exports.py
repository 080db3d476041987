"""The S3 adapter for report exports: a CSV file uploaded once (multipart for
a large one, as boto3's managed transfer does), and a short-lived link to it."""

from __future__ import annotations

import functools
from typing import BinaryIO

import boto3

from renewal import config

LINK_EXPIRES_S = 15 * 60


@functools.cache
def client():
    return boto3.client("s3")


def reset() -> None:
    client.cache_clear()


def upload(key: str, body: BinaryIO) -> None:
    client().upload_fileobj(body, config.exports_bucket(), key,
                            ExtraArgs={"ContentType": "text/csv; charset=utf-8",
                                       "ContentDisposition": f'attachment; filename="{key.rsplit("/", 1)[-1]}"'})


def link(key: str) -> str:
    return client().generate_presigned_url("get_object", Params={"Bucket": config.exports_bucket(), "Key": key},
                                           ExpiresIn=LINK_EXPIRES_S)
