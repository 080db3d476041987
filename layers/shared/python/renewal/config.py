"""Settings read from the environment (template.yaml sets them in AWS; the local
stack sets the same names)."""

from __future__ import annotations

import os

# The settings a function cannot work without (template.yaml sets each for the
# functions whose code reads it); each handler names its own in `require` at
# cold start, so a stack deployed without one fails at once, saying which,
# instead of at the first request that needs it.
REQUIRED = {
    "TABLE_NAME": "the DynamoDB table's name",
    "PAGE_TOKEN_KEY": "the key that signs list tokens",
    "SENDER_EMAIL": "the address e-mails are sent from",
    "INVOICE_JOB_QUEUE_URL": "the invoice-job queue's URL",
    "DEADLINE_JOB_QUEUE_URL": "the deadline-job queue's URL",
    "EXPORT_JOB_QUEUE_URL": "the export-job queue's URL",
    "IMPORT_JOB_QUEUE_URL": "the import-job queue's URL",
    "CEC_SUBMISSION_QUEUE_URL": "the CEC-submission queue's URL",
    "EMAIL_QUEUE_URL": "the e-mail queue's URL",
    "DOCUMENTS_BUCKET": "the CEC documents bucket",
    "EXPORTS_BUCKET": "the report exports bucket",
    "IMPORTS_BUCKET": "the member files bucket",
    "USER_POOL_ID": "the Cognito user pool's id",
    "STRIPE_KEYS_SECRET": "the Secrets Manager secret with Stripe's keys",
}


class MissingSetting(RuntimeError):
    """A required setting is not set: the function cannot start."""


def require(*names: str) -> None:
    """Checks at cold start that every setting the function needs is set; one
    error names the first missing one (and any others)."""
    missing = [name for name in names if not os.environ.get(name, "").strip()]
    if missing:
        others = f" (also missing: {', '.join(missing[1:])})" if missing[1:] else ""
        raise MissingSetting(f"The setting {missing[0]} ({REQUIRED[missing[0]]}) is not set{others}: "
                             "template.yaml sets it for this function; deploy the stack again.")


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


def email_queue_url() -> str:
    return os.environ.get("EMAIL_QUEUE_URL", "")


def email_send_rate() -> float:
    """E-mails per second for the whole stack: SES's maximum send rate for the
    account (1 in the SES sandbox), less what Cognito's own mail needs."""
    return float(os.environ.get("EMAIL_SEND_RATE", "1"))


def email_senders() -> int:
    """How many e-mail senders run at once (the sender's reserved concurrency):
    each takes its share of the rate."""
    return int(os.environ.get("EMAIL_SENDERS", "1"))


def ses_configuration_set() -> str:
    """The SES configuration set e-mails are sent with (suppression of bounced and
    complaining addresses, reputation metrics); empty locally."""
    return os.environ.get("SES_CONFIGURATION_SET", "")


def stripe_keys_secret() -> str:
    """The Secrets Manager secret holding Stripe's API key and webhook secret
    (renewal.adapters.secrets reads it); never the keys themselves."""
    return os.environ.get("STRIPE_KEYS_SECRET", "")


def stripe_api_base() -> str | None:
    """Where the Stripe SDK sends API calls; unset means api.stripe.com. The
    local stack points it at itself when no real key is given."""
    return os.environ.get("STRIPE_API_BASE") or None


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
