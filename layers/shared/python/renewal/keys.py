"""Every key of the single table is built here and nowhere else.

The design, and the access pattern each key serves, is written down in
docs/data-model.md; keep the two in step.

Item keys (PK / SK):
  MEMBER#{member_id}  PROFILE              the member: name, affiliate, contact, credentials
  HISTORY#{subject}   AUDIT#{at}#{id}      audit trail of one member (or rule set): staff actions, contact changes
  RULESET#{year}      RULESET              the rule set of one renewal year (GSI1 RULESETS / year)
  MEMBER#{member_id}  INVOICE#{year}       the invoice, with the member's renewal record for the year (GSI4)
  RENEWAL_TOTALS#{year}#{n} TOTALS         one shard of a year's totals (counts by class, money)
  RUN#{run_id}        RUN                  an invoice or deadline run: counters, and the shards, batches or pages
                                           it counted (GSI1 INVOICE_RUNS or DEADLINE_RUNS / started_at, newest first)
  DEADLINE_DAY#{day}  RUN                  the deadline run of a day (one at a time)
  EXPORT#{export_id}  EXPORT               a report export: its request, status, rows and file
  PAYMENT#{id}        PAYMENT              a payment (card: the PaymentIntent; offline: staff reference) (GSI1 ATTENTION#PAYMENTS while it needs a person)
  STRIPE_EVENT#{id}   EVENT                a Stripe event already applied (dedupe; TTL)
  DEADLETTER#{kind}   {letter_id}          a message that failed every delivery (or a failed scheduled run), kept for replay

  DIRECTORY#{member_id} TERM#{term}        the member's entries in the member directory, one per term
  MEMBER#{member_id}  ACCOUNT              the member's sign-in account (invited or linked)
  STAFF_UPLOAD#{id}   UPLOAD               a member file staff uploaded (S3 key, size)
  IMPORT#{import_id}  IMPORT | ERRORS#{batch}  an import run (GSI1 IMPORTS / started_at), the rows each batch rejected

Index keys:
  GSI2PK MEMBERS#{shard}    GSI2SK {member_id}          members holding any credential, sharded
                                                        so an invoice run reads them in parallel
  GSI1PK SEARCH#{t[:2]}     GSI1SK {term}#{member_id}   directory: name and id terms, by their first two characters
  GSI1PK EMAIL#{email}      GSI1SK {member_id}          the profiles with an e-mail (case-folded)
  GSI3PK AFFSEARCH#{aff}    GSI3SK {term}#{member_id}   directory: an affiliate's own members' terms
  GSI3PK AFFILIATE#{aff}    GSI3SK {last first}#{id}    the profiles of an affiliate's members, by name
  GSI4PK RENEWALS#{year}#{shard}  GSI4SK {class}#{affiliate}#{member_id}
                                                        renewal records by year, class and affiliate
                                                        (INCLUDE projection: the record's facts)
"""

from __future__ import annotations

import hashlib

PK = "PK"
SK = "SK"
GSI1 = "GSI1"
GSI2 = "GSI2"
GSI3 = "GSI3"
GSI4 = "GSI4"

PROFILE = "PROFILE"
RULESET = "RULESET"

# The member index is spread over this many partitions so an invoice run can
# read it with parallel queries and no hot key; it is a storage detail, not a rule.
MEMBER_SHARDS = 16


def member_pk(member_id: str) -> str:
    return f"MEMBER#{member_id}"


def member_key(member_id: str) -> dict[str, str]:
    return {PK: member_pk(member_id), SK: PROFILE}


# The history lives beside, not inside, the member's partition, so the member's
# page of data stays one small Query however long the history grows.
def member_history_pk(member_id: str) -> str:
    return f"HISTORY#MEMBER#{member_id}"


def rule_set_history_pk(renewal_year: int) -> str:
    return f"HISTORY#RULESET#{renewal_year}"


def audit_key(history_pk: str, at: str, audit_id: str) -> dict[str, str]:
    return {PK: history_pk, SK: f"AUDIT#{at}#{audit_id}"}


def rule_set_key(renewal_year: int) -> dict[str, str]:
    return {PK: f"RULESET#{renewal_year}", SK: RULESET}


def member_shard(member_id: str) -> int:
    # A stable hash (not Python's salted hash()) so every process agrees.
    return int.from_bytes(hashlib.blake2b(member_id.encode(), digest_size=2).digest()) % MEMBER_SHARDS


def credential_holders_index(member_id: str) -> dict[str, str]:
    return {"GSI2PK": f"MEMBERS#{member_shard(member_id):02d}", "GSI2SK": member_id}


def credential_holders_partition(shard: int) -> str:
    return f"MEMBERS#{shard:02d}"


# ---- invoices, renewals and invoice runs (issue #3)


def invoice_sk(renewal_year: int) -> str:
    return f"INVOICE#{renewal_year}"


INVOICE_PREFIX = "INVOICE#"


def invoice_id(renewal_year: int, member_id: str) -> str:
    # The id names its own key: one invoice per member and year is the key itself,
    # and a route that names only the invoice reaches it with one GetItem.
    return f"INV-{renewal_year}-{member_id}"


def invoice_key_from_id(value: str) -> dict[str, str] | None:
    """The invoice's key, or None when the id is not one of ours."""
    prefix, _, rest = value.partition("-")
    year, _, member_id = rest.partition("-")
    if prefix != "INV" or not year.isdigit() or len(year) != 4 or not member_id:
        return None
    return {PK: member_pk(member_id), SK: invoice_sk(int(year))}


def invoice_key(renewal_year: int, member_id: str) -> dict[str, str]:
    return {PK: member_pk(member_id), SK: invoice_sk(renewal_year)}


# The renewal records of a year are spread over this many index partitions: the
# invoice run writes every record of the year within minutes, and one partition
# takes at most 1,000 writes a second. A report page reads the shards in turn.
RENEWAL_SHARDS = 2
# The year's totals are summed over this many items, so concurrent transactions
# rarely touch the same one.
RENEWAL_TOTAL_SHARDS = 8
NO_AFFILIATE = "-"


def renewal_shard(member_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(member_id.encode(), digest_size=2).digest()) % RENEWAL_SHARDS


def renewal_record_partition(renewal_year: int, shard: int) -> str:
    return f"RENEWALS#{renewal_year}#{shard}"


def renewal_record_prefix(record_class: str, affiliate: str | None = None) -> str:
    """The sort-key range of one class of records (and one affiliate's, when given)."""
    return f"{record_class}#" + (f"{affiliate}#" if affiliate else "")


def renewal_record_index(renewal_year: int, record_class: str, affiliate: str | None,
                         member_id: str) -> dict[str, str]:
    return {"GSI4PK": renewal_record_partition(renewal_year, renewal_shard(member_id)),
            "GSI4SK": f"{record_class}#{affiliate or NO_AFFILIATE}#{member_id}"}


def renewal_totals_key(renewal_year: int, shard: int) -> dict[str, str]:
    return {PK: f"RENEWAL_TOTALS#{renewal_year}#{shard}", SK: "TOTALS"}


# Invoices that carried the first design's index entry (GSI1 RENEWALS#{year}),
# which the backfill moves to GSI4.
def legacy_renewals_partition(renewal_year: int) -> str:
    return f"RENEWALS#{renewal_year}"


RULE_SETS_PARTITION = "RULESETS"


def rule_sets_index(renewal_year: int) -> dict[str, str]:
    return {"GSI1PK": RULE_SETS_PARTITION, "GSI1SK": f"{renewal_year:04d}"}


def run_pk(run_id: str) -> str:
    return f"RUN#{run_id}"


def run_key(run_id: str) -> dict[str, str]:
    return {PK: run_pk(run_id), SK: "RUN"}


# Runs are listed newest first, each kind in its own partition of GSI1.
INVOICE_RUNS = "INVOICE_RUNS"
DEADLINE_RUNS = "DEADLINE_RUNS"


def invoice_runs_index(started_at: str, run_id: str) -> dict[str, str]:
    return {"GSI1PK": INVOICE_RUNS, "GSI1SK": f"{started_at}#{run_id}"}


def deadline_runs_index(started_at: str, run_id: str) -> dict[str, str]:
    return {"GSI1PK": DEADLINE_RUNS, "GSI1SK": f"{started_at}#{run_id}"}


def deadline_day_key(as_of: str) -> dict[str, str]:
    """Which deadline run is today's: one runs at a time for a day."""
    return {PK: f"DEADLINE_DAY#{as_of}", SK: "RUN"}


def export_key(export_id: str) -> dict[str, str]:
    return {PK: f"EXPORT#{export_id}", SK: "EXPORT"}


def export_object_key(export_id: str, name: str) -> str:
    return f"exports/{export_id}/{name}"


def exports_history_pk() -> str:
    return "HISTORY#EXPORTS"


def deadline_history_pk() -> str:
    return "HISTORY#DEADLINES"



# ---- payments (issue #4)


def payment_key(payment_id: str) -> dict[str, str]:
    return {PK: f"PAYMENT#{payment_id}", SK: "PAYMENT"}


def stripe_event_key(event_id: str) -> dict[str, str]:
    return {PK: f"STRIPE_EVENT#{event_id}", SK: "EVENT"}


ATTENTION_PAYMENTS = "ATTENTION#PAYMENTS"


def attention_index(at: str, payment_id: str) -> dict[str, str]:
    """Sparse: only payments that need a person carry it, oldest first."""
    return {"GSI1PK": ATTENTION_PAYMENTS, "GSI1SK": f"{at}#{payment_id}"}


# ---- CECs: rosters, reporting forms, submissions, uploads (issue #5)
#
# Ids of records a member owns carry the owner's id and a random suffix without
# dashes (F-{member_id}-{suffix}), so a route that names only the record's id
# reaches it with one GetItem.

CEC_PREFIX = "CEC#"
FORM_PREFIX = "FORM#"
SUBMISSION_PREFIX = "SUBMISSION#"


def owned_id(kind: str, member_id: str, suffix: str) -> str:
    return f"{kind}-{member_id}-{suffix}"


def owner_of(kind: str, value: str) -> str | None:
    """The member id inside an owned id, or None when the id is not of that kind."""
    prefix = f"{kind}-"
    if not value.startswith(prefix):
        return None
    member_id, _, suffix = value[len(prefix):].rpartition("-")
    return member_id if member_id and suffix.isalnum() else None


def activity_key(member_id: str, activity_id: str) -> dict[str, str]:
    return {PK: member_pk(member_id), SK: f"{CEC_PREFIX}{activity_id}"}


def roster_key(affiliate: str, class_id: str) -> dict[str, str]:
    return {PK: f"CLASS#{affiliate}#{class_id}", SK: "ROSTER"}


def form_key(member_id: str, form_id: str) -> dict[str, str]:
    return {PK: member_pk(member_id), SK: f"{FORM_PREFIX}{form_id}"}


def affiliate_forms_index(affiliate: str, status: str, created_at: str, form_id: str) -> dict[str, str]:
    return {"GSI1PK": affiliate_forms_partition(affiliate, status), "GSI1SK": f"{created_at}#{form_id}"}


def affiliate_forms_partition(affiliate: str, status: str) -> str:
    return f"FORMS#{affiliate}#{status}"


def submission_key(member_id: str, submission_id: str) -> dict[str, str]:
    return {PK: member_pk(member_id), SK: f"{SUBMISSION_PREFIX}{submission_id}"}


def review_index(status: str, submitted_at: str, submission_id: str) -> dict[str, str]:
    return {"GSI1PK": review_partition(status), "GSI1SK": f"{submitted_at}#{submission_id}"}


def review_partition(status: str) -> str:
    return f"REVIEW#{status}"


SUBMISSION_OUTBOX = "OUTBOX#SUBMISSIONS"


def submission_outbox_key(created_at: str, submission_id: str) -> dict[str, str]:
    return {PK: SUBMISSION_OUTBOX, SK: f"{created_at}#{submission_id}"}


def upload_key(member_id: str, upload_id: str) -> dict[str, str]:
    return {PK: member_pk(member_id), SK: f"UPLOAD#{upload_id}"}


def upload_object_key(member_id: str, upload_id: str) -> str:
    """The S3 object key of an upload: under the member's own prefix. Objects
    under uploads/ expire after a day (the bucket's lifecycle rule)."""
    return f"uploads/{member_id}/{upload_id}"


def document_object_key(member_id: str, upload_id: str) -> str:
    """Where an upload is kept once a form or request names it (no expiry)."""
    return f"documents/{member_id}/{upload_id}"


def upload_count_key(member_id: str, day: str) -> dict[str, str]:
    """How many uploads the member started that day (the daily cap)."""
    return {PK: member_pk(member_id), SK: f"UPLOADS#{day}"}


# ---- waivers, requests, certificates (issue #6)

WAIVER_PREFIX = "WAIVER#"


def waiver_key(member_id: str, renewal_year: int, waiver_type: str) -> dict[str, str]:
    return {PK: member_pk(member_id), SK: f"{WAIVER_PREFIX}{renewal_year}#{waiver_type}"}


WAIVER_REQUEST_PREFIX = "WAIVER_REQUEST#"


def waiver_request_key(member_id: str, request_id: str) -> dict[str, str]:
    return {PK: member_pk(member_id), SK: f"{WAIVER_REQUEST_PREFIX}{request_id}"}


def pending_waiver_request_key(member_id: str, renewal_year: int, waiver_type: str) -> dict[str, str]:
    """Held while a member's request of that type and year is pending: one at a time."""
    return {PK: member_pk(member_id), SK: f"WAIVER_REQUEST_PENDING#{renewal_year}#{waiver_type}"}


def waiver_requests_index(status: str, created_at: str, request_id: str) -> dict[str, str]:
    return {"GSI1PK": waiver_requests_partition(status), "GSI1SK": f"{created_at}#{request_id}"}


def waiver_requests_partition(status: str) -> str:
    return f"WAIVER_REQUESTS#{status}"


def certificate_key(number: str) -> dict[str, str]:
    return {PK: f"CERT#{number}", SK: "CERT"}


def member_certificate_key(member_id: str, code: str) -> dict[str, str]:
    """The member's certificate number for a credential: reissued, never renumbered."""
    return {PK: member_pk(member_id), SK: f"CERTIFICATE#{code}"}


def dead_letters_partition(kind: str) -> str:
    return f"DEADLETTER#{kind}"


def dead_letter_key(kind: str, letter_id: str) -> dict[str, str]:
    return {PK: dead_letters_partition(kind), SK: letter_id}


# ---- the member directory: search by id, e-mail or name (issues #13, #15)
#
# Each member has a few small entry items beside the profile, one per searchable
# term (member id, first and last name and their words); the e-mail and the
# affiliate's list are keys of the profile itself.
# Terms are already normalised (renewal.directory): lower case, no accents, no
# punctuation. Staff search partitions by a term's first two characters, so no
# index partition holds more than a slice of the members, even when every
# member id starts with the same letter.

DIRECTORY_TERM = "TERM#"


def directory_pk(member_id: str) -> str:
    return f"DIRECTORY#{member_id}"


def directory_key(member_id: str, entry: str) -> dict[str, str]:
    return {PK: directory_pk(member_id), SK: entry}


def search_partition(term: str) -> str:
    return f"SEARCH#{term[:2]}"


def search_index(term: str, member_id: str) -> dict[str, str]:
    return {"GSI1PK": search_partition(term), "GSI1SK": f"{term}#{member_id}"}


def email_partition(email: str) -> str:
    return f"EMAIL#{email}"


def email_index(email: str, member_id: str) -> dict[str, str]:
    return {"GSI1PK": email_partition(email), "GSI1SK": member_id}


def affiliate_search_partition(affiliate: str) -> str:
    return f"AFFSEARCH#{affiliate}"


def affiliate_search_index(affiliate: str, term: str, member_id: str) -> dict[str, str]:
    return {"GSI3PK": affiliate_search_partition(affiliate), "GSI3SK": f"{term}#{member_id}"}


def affiliate_members_partition(affiliate: str) -> str:
    return f"AFFILIATE#{affiliate}"


def affiliate_members_index(affiliate: str, sort_name: str, member_id: str) -> dict[str, str]:
    return {"GSI3PK": affiliate_members_partition(affiliate), "GSI3SK": f"{sort_name}#{member_id}"}


# ---- going live: member imports and sign-in accounts (issue #15)


ACCOUNT = "ACCOUNT"


def account_key(member_id: str) -> dict[str, str]:
    """The member's sign-in account (username, invited or linked): beside the profile."""
    return {PK: member_pk(member_id), SK: ACCOUNT}


def staff_upload_key(upload_id: str) -> dict[str, str]:
    return {PK: f"STAFF_UPLOAD#{upload_id}", SK: "UPLOAD"}


def import_upload_object_key(upload_id: str) -> str:
    return f"uploads/{upload_id}.csv"


def import_errors_object_key(import_id: str) -> str:
    return f"errors/{import_id}.csv"


def import_pk(import_id: str) -> str:
    return f"IMPORT#{import_id}"


def import_key(import_id: str) -> dict[str, str]:
    return {PK: import_pk(import_id), SK: "IMPORT"}


IMPORT_ERRORS_PREFIX = "ERRORS#"


def import_errors_key(import_id: str, batch_id: str) -> dict[str, str]:
    """The rows one batch of an import rejected (read back to write the error file)."""
    return {PK: import_pk(import_id), SK: f"{IMPORT_ERRORS_PREFIX}{batch_id}"}


IMPORTS_PARTITION = "IMPORTS"


def imports_index(started_at: str, import_id: str) -> dict[str, str]:
    return {"GSI1PK": IMPORTS_PARTITION, "GSI1SK": f"{started_at}#{import_id}"}
