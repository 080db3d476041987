"""Scanned CEC documents: a member uploads straight to S3 under their own
prefix; a form may reference an upload only once the object is there, of an
allowed type and size, and the member's own.

Uploads nobody attaches do not pile up: a member may start a limited number a
day, and the bucket expires everything under uploads/ after a day. A document
a form or request names is copied to documents/, where it is kept."""

import secrets
import time
from typing import Any, Literal

from pydantic import ConfigDict, Field

from renewal import clock, config, keys
from renewal.adapters import documents, store
from renewal.auth import Principal
from renewal.errors import Conflict, ValidationFailed
from renewal.model import Model

ContentType = Literal["application/pdf", "image/png", "image/jpeg"]
UPLOAD_KEPT_S = 24 * 3600  # an upload not attached by then is gone (records by TTL, objects by the bucket's rule)


class UploadRequest(Model):
    model_config = ConfigDict(extra="forbid")

    content_type: ContentType
    size_bytes: int = Field(gt=0)


class Upload(Model):
    upload_id: str
    url: str
    fields: dict[str, str]


def start_upload(principal: Principal, request: UploadRequest) -> Upload:
    member_id = principal.require_member()
    limit = config.max_upload_bytes()
    if request.size_bytes > limit:
        raise ValidationFailed(f"A document may be at most {limit // (1024 * 1024)} MB.",
                               details=[{"field": "size_bytes", "max": limit}])
    _count_todays_upload(member_id)
    upload_id = keys.owned_id("U", member_id, secrets.token_hex(8))
    object_key = keys.upload_object_key(member_id, upload_id)
    # moto does not enforce POST policies, so the object is checked again before use.
    post = documents.presigned_post(object_key, request.content_type, limit)
    store.put({**keys.upload_key(member_id, upload_id), "upload_id": upload_id, "object_key": object_key,
               "content_type": request.content_type, "size_bytes": request.size_bytes, "created_at": clock.now_iso(),
               "expires_at": int(time.time()) + UPLOAD_KEPT_S})
    return Upload(upload_id=upload_id, url=post["url"], fields=post["fields"])


def _count_todays_upload(member_id: str) -> None:
    """One conditional increment: concurrent requests cannot pass the cap together."""
    cap = config.max_uploads_per_day()
    try:
        store.update(keys.upload_count_key(member_id, clock.today().isoformat()),
                     "ADD #count :one SET expires_at = :expires",
                     condition="attribute_not_exists(#count) OR #count < :cap", names={"#count": "count"},
                     values={":one": 1, ":cap": cap, ":expires": int(time.time()) + 2 * UPLOAD_KEPT_S})
    except store.ConditionFailed as error:
        raise Conflict(f"You have started {cap} uploads today, the most a day allows; attach them to a form, or "
                       "upload more tomorrow.", code="upload_limit", details=[{"rule": "uploads_per_day", "max": cap}]) \
            from error


def verified_document(member_id: str, upload_id: str) -> dict[str, Any]:
    """The upload a form may reference: the caller's own, present, of an allowed type and size."""
    record = store.get(keys.upload_key(member_id, upload_id)) if keys.owner_of("U", upload_id) == member_id else None
    if record is None:
        raise ValidationFailed("No such upload of yours.", details=[{"field": "document_upload_id"}])
    found = documents.head(record["object_key"])
    if found is None:
        raise ValidationFailed("The document has not been uploaded yet.", details=[{"field": "document_upload_id"}])
    if found["size_bytes"] > config.max_upload_bytes() or found["content_type"] not in ContentType.__args__:
        raise ValidationFailed("The uploaded document is too large or not a PDF, PNG or JPEG.",
                               details=[{"field": "document_upload_id", **found}])
    kept = keys.document_object_key(member_id, upload_id)
    documents.keep(record["object_key"], kept)
    return {"upload_id": upload_id, "object_key": kept, **found}
