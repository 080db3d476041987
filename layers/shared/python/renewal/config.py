"""Settings read from the environment (template.yaml sets them in AWS; the local
stack sets the same names)."""

from __future__ import annotations

import os


def table_name() -> str:
    return os.environ.get("TABLE_NAME", "renewal")


def stage() -> str:
    return os.environ.get("STAGE", "local")


def invoice_job_queue_url() -> str:
    return os.environ.get("INVOICE_JOB_QUEUE_URL", "")


def invoice_job_max_receives() -> int:
    """The invoice-job queue's maxReceiveCount: on the last delivery a failing
    batch is counted as failed before it goes to the dead-letter queue."""
    return int(os.environ.get("INVOICE_JOB_MAX_RECEIVES", "5"))


def deadline_job_queue_url() -> str:
    return os.environ.get("DEADLINE_JOB_QUEUE_URL", "")


def sender_email() -> str:
    return os.environ.get("SENDER_EMAIL", "renewals@example.org")


def stripe_api_key() -> str:
    return os.environ.get("STRIPE_API_KEY", "")


def stripe_api_base() -> str | None:
    """Where the Stripe SDK sends API calls; unset means api.stripe.com. The
    local stack points it at itself when no real key is given."""
    return os.environ.get("STRIPE_API_BASE") or None


def stripe_webhook_secret() -> str:
    return os.environ.get("STRIPE_WEBHOOK_SECRET", "")


def portal_origins() -> list[str]:
    """Origins the member portal is served from: the only places Checkout may send a member back to."""
    return [o.strip().rstrip("/") for o in os.environ.get("PORTAL_ORIGINS", "").split(",") if o.strip()]


def portal_url() -> str | None:
    """The portal's address, for links the API writes (a certificate's verify page)."""
    return os.environ.get("PORTAL_URL", "").rstrip("/") or None


def documents_bucket() -> str:
    return os.environ.get("DOCUMENTS_BUCKET", "")


def exports_bucket() -> str:
    return os.environ.get("EXPORTS_BUCKET", "")


def export_job_queue_url() -> str:
    return os.environ.get("EXPORT_JOB_QUEUE_URL", "")


def export_job_max_receives() -> int:
    return int(os.environ.get("EXPORT_JOB_MAX_RECEIVES", "5"))


def cec_submission_queue_url() -> str:
    return os.environ.get("CEC_SUBMISSION_QUEUE_URL", "")


def max_upload_bytes() -> int:
    return int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))


def imports_bucket() -> str:
    """Where staff upload member files and the import runs write their error files."""
    return os.environ.get("IMPORTS_BUCKET", "")


def max_import_bytes() -> int:
    return int(os.environ.get("MAX_IMPORT_BYTES", str(50 * 1024 * 1024)))


def import_job_queue_url() -> str:
    return os.environ.get("IMPORT_JOB_QUEUE_URL", "")


def import_job_max_receives() -> int:
    """The import-job queue's maxReceiveCount (see invoice_job_max_receives)."""
    return int(os.environ.get("IMPORT_JOB_MAX_RECEIVES", "5"))


def user_pool_id() -> str:
    return os.environ.get("USER_POOL_ID", "")


def max_uploads_per_day() -> int:
    """Uploads a member may start in a day. Unattached ones expire after a day,
    so at most about twice this many are ever waiting in the bucket."""
    return int(os.environ.get("MAX_UPLOADS_PER_DAY", "20"))


def page_token_key() -> str:
    """The key that signs list tokens (`next_token`). template.yaml sets it from a
    generated secret; the local stack keeps its own in its state directory."""
    key = os.environ.get("PAGE_TOKEN_KEY", "")
    if not key:
        # Without a key anyone could sign a token: refuse to run rather than sign with nothing.
        raise RuntimeError("PAGE_TOKEN_KEY is not set")
    return key


def public_base_url() -> str:
    """The API's custom domain (https://...), or empty to use the host a request came to."""
    return os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")


def swagger_enabled() -> bool:
    """The API documentation page is served everywhere but in prod (the template sets this)."""
    return os.environ.get("SWAGGER_ENABLED", "true").lower() != "false"
