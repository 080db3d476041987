"""The S3 adapter: browser uploads by presigned POST and short-lived presigned
GET links, for CEC documents (the default bucket) and staff's member files
(`bucket=config.imports_bucket()`)."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from renewal import config

UPLOAD_EXPIRES_S = 15 * 60
LINK_EXPIRES_S = 10 * 60


@functools.cache
def client():
    # Signature version 4: S3 refuses the older version 2 on buckets made since 2020,
    # and botocore would still sign presigned POSTs with it in us-east-1.
    return boto3.client("s3", config=Config(signature_version="s3v4"))


def reset() -> None:
    client.cache_clear()


def presigned_post(key: str, content_type: str, max_bytes: int, *, bucket: str | None = None) -> dict[str, Any]:
    return client().generate_presigned_post(
        Bucket=bucket or config.documents_bucket(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=UPLOAD_EXPIRES_S,
    )


def keep(upload_key: str, kept_key: str) -> None:
    """Copies an upload to where it is kept (uploads/ expire after a day)."""
    client().copy_object(Bucket=config.documents_bucket(), Key=kept_key,
                         CopySource={"Bucket": config.documents_bucket(), "Key": upload_key})


def head(key: str, *, bucket: str | None = None) -> dict[str, Any] | None:
    """Size and type of an uploaded object, or None when nothing was uploaded."""
    try:
        response = client().head_object(Bucket=bucket or config.documents_bucket(), Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return {"size_bytes": response["ContentLength"], "content_type": response.get("ContentType", "")}


def link(key: str, *, bucket: str | None = None, filename: str | None = None) -> str:
    params = {"Bucket": bucket or config.documents_bucket(), "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    return client().generate_presigned_url("get_object", Params=params, ExpiresIn=LINK_EXPIRES_S)


def read(key: str, *, bucket: str | None = None) -> bytes:
    return client().get_object(Bucket=bucket or config.documents_bucket(), Key=key)["Body"].read()


def write(key: str, body: bytes, content_type: str, *, bucket: str | None = None) -> None:
    client().put_object(Bucket=bucket or config.documents_bucket(), Key=key, Body=body, ContentType=content_type)
