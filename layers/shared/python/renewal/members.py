"""Members: who holds which credential, and how to reach them."""

import datetime as dt
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from renewal import audit, clock, directory, keys, standing
from renewal.adapters import store
from renewal.auth import Principal
from renewal.credentials import Code, CredentialCode
from renewal.errors import Conflict, NotFound, ValidationFailed
from renewal.model import Date, Model

ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"
OpaqueId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
AddressLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]

# USPS codes: the states, DC, the territories and the armed forces' "states".
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH "
    "OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP AA AE AP".split()
)


def _us_phone(value: str) -> str:
    """Any common US spelling in, E.164 out; numbers that cannot be dialled are refused."""
    import phonenumbers  # on first use: most functions never read a phone number

    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"not a phone number: {error}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(value: str) -> str:
    """Validated by email-validator, as pydantic's EmailStr would; imported on first
    use so functions that never read an address do not load it at cold start."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"not a valid e-mail address: {error}") from None


Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email),
                  WithJsonSchema({"type": "string", "format": "email"})]


def _us_state(value: str) -> str:
    code = value.strip().upper()
    if code not in US_STATES:
        raise ValueError("state must be a two-letter USPS code such as CO")
    return code


class Address(Model):
    model_config = ConfigDict(extra="forbid")

    line1: AddressLine
    line2: AddressLine | None = None
    city: Name
    state: Annotated[str, AfterValidator(_us_state)]
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{5}(-\d{4})?$")]
    country: Literal["US"] = "US"

    @field_validator("line2", mode="before")
    @classmethod
    def _blank_line2(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


Phone = Annotated[str, AfterValidator(_us_phone)]


class Contact(Model):
    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    phone: Phone | None = None
    address: Address | None = None


class AddressPatch(Model):
    """Part of an address: merged into the stored one (JSON merge patch), then the whole is validated."""

    model_config = ConfigDict(extra="forbid")

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class ContactPatch(Model):
    """Any subset of the contact (JSON merge patch: an address may be sent in
    part); a field that is sent must be valid (null clears phone or address)."""

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    phone: Phone | None = None
    address: AddressPatch | None = None

    @model_validator(mode="after")
    def _email_kept(self) -> Self:
        if "email" in self.model_fields_set and self.email is None:
            raise ValueError("email cannot be removed; send a new address instead")
        return self


class CredentialIn(Model):
    """A held credential as staff send it: `status` and `renewed_through` are derived, so ignored."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    earned_on: Date
    status: Any = Field(default=None, exclude=True, description="Derived; ignored if sent.")
    renewed_through: Any = Field(default=None, exclude=True, description="Derived; ignored if sent.")


class Credential(Model):
    code: CredentialCode
    earned_on: dt.date
    status: Literal["active", "grace", "lapsed", "lifetime"]
    renewed_through: int | None = None


class MemberIn(Model):
    model_config = ConfigDict(extra="forbid")

    member_id: OpaqueId | None = Field(default=None, description="Optional; must equal the id in the path.")
    first_name: Name
    last_name: Name
    affiliate: OpaqueId | None = None
    contact: Contact = Field(default_factory=Contact)
    credentials: list[CredentialIn] = Field(default_factory=list)

    @field_validator("credentials")
    @classmethod
    def _one_of_each_credential(cls, credentials: list[CredentialIn]) -> list[CredentialIn]:
        codes = [credential.code for credential in credentials]
        if len(codes) != len(set(codes)):
            raise ValueError("a credential is listed twice (NALP is the same credential as CALP)")
        return credentials


class MemberWaiver(Model):
    waiver_id: str
    type: str
    renewal_year: int


class MemberAccount(Model):
    """The member's sign-in account, as far as this system knows it."""

    username: str
    email: str | None = None
    status: Literal["invited", "linked"]
    at: str


class Member(Model):
    member_id: str
    first_name: str
    last_name: str
    affiliate: str | None = None
    contact: Contact
    credentials: list[Credential]
    waivers: list[MemberWaiver] = Field(default_factory=list, description="Active waivers (military, emeritus).")
    account: MemberAccount | None = Field(default=None, description="The sign-in account: invited or linked.")


def _profile_record(member_id: str, body: MemberIn, version: int, created_at: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        **keys.member_key(member_id),
        "member_id": member_id,
        "first_name": body.first_name,
        "last_name": body.last_name,
        "affiliate": body.affiliate,
        "contact": body.contact.model_dump(mode="json"),
        "credentials": [c.model_dump(mode="json") for c in body.credentials],
        "version": version,
        "created_at": created_at,
        "updated_at": clock.now_iso(),
    }
    if body.credentials:
        record.update(keys.credential_holders_index(member_id))
    record.update(directory.profile_keys(record))
    return record


def comparable(record: dict[str, Any] | None) -> dict[str, Any]:
    """The member's own data, as staff and imports write it (what an audit entry compares)."""
    if not record:
        return {}
    return {name: record.get(name) for name in ("first_name", "last_name", "affiliate", "contact", "credentials")}


def _write_profile(principal: Principal, record: dict[str, Any], previous: dict[str, Any] | None, action: str,
                   *, reindex: bool = True, extra: list[dict[str, Any]] = ()) -> None:
    # The directory entries go first; the profile's conditional write then decides
    # (renewal.directory), and a loser puts back the entries of what is stored.
    if reindex:
        directory.write(previous, record)
    # Optimistic locking on `version`: two writers never silently overwrite each other.
    if previous is None:
        condition, values = "attribute_not_exists(PK)", None
    else:
        condition, values = "version = :seen", {":seen": previous["version"]}
        if extra:
            # Renewal records follow in this transaction: they were computed from a read
            # that a concurrent CEC write must not have overtaken (renewal.records.lock_op).
            from renewal import records

            lock, lock_values = records.lock_condition(previous)
            condition, values = f"{condition} AND {lock}", {**values, **lock_values}
    try:
        store.transact(
            [
                store.put_op(record, condition=condition, values=values),
                audit.entry_op(
                    principal,
                    history_pk=keys.member_history_pk(record["member_id"]),
                    action=action,
                    changes=audit.diff(comparable(previous), comparable(record)),
                ),
                *extra,
            ]
        )
    except store.ConditionFailed as error:
        if reindex:
            directory.repair(record["member_id"], record)
        raise Conflict("The member was changed by someone else at the same time; reload and try again.") from error


def check_member(member_id: str, body: MemberIn) -> None:
    """The rules beyond the model's own validation, shared by PUT and the import."""
    if body.member_id is not None and body.member_id != member_id:
        raise ValidationFailed(
            "member_id in the body does not match the id in the path.",
            details=[{"field": "member_id", "expected": member_id, "got": body.member_id}],
        )
    today = clock.today()
    future = [c.code.value for c in body.credentials if c.earned_on > today]
    if future:
        raise ValidationFailed(
            "A credential cannot be earned in the future.",
            details=[{"field": "credentials.earned_on", "codes": future, "today": today.isoformat()}],
        )


# Kept on the profile by other services, not part of the member's data that staff
# send: waivers (renewal.waivers) and the renewal history an import brought in.
CARRIED_OVER = ("waivers", "settled_through")


def replacement_record(member_id: str, body: MemberIn, previous: dict[str, Any] | None) -> dict[str, Any]:
    """The profile that replaces `previous` with `body`."""
    version = (previous or {}).get("version", 0) + 1
    created_at = (previous or {}).get("created_at") or clock.now_iso()
    record = _profile_record(member_id, body, version, created_at)
    for name in CARRIED_OVER:
        if previous and previous.get(name) is not None:
            record[name] = previous[name]
    if previous is not None:
        # Credentials are what renewal records are computed from: a record created from a read
        # made before this write must not commit (renewal.records.lock_op).
        record["facts_version"] = int(previous.get("facts_version") or 0) + 1
    return record


def _records_follow_profile(principal: Principal, previous: dict[str, Any] | None, record: dict[str, Any],
                            items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list]:
    """The writes that make the member's invoices follow the new profile: each
    renewal record carries the name and affiliate (reports list and filter by
    them), and the years still being renewed follow the credentials
    (renewal.reconcile). Returns the writes and what to tell the member."""
    if previous is None:
        return [], []
    from renewal import reconcile, records

    name = f"{record['first_name']} {record['last_name']}".strip()
    after = records.replaced(items, record, *[{**invoice, "name": name, "affiliate": record.get("affiliate")}
                                              for invoice in standing.invoices(items).values()])
    after, extra, told = reconcile.apply(principal, record, after, clock.today())
    return records.follow_ops(previous, items, after, lock=False) + extra, told


def upsert_member(principal: Principal, member_id: str, body: MemberIn) -> tuple[Member, bool]:
    """Create or replace a member (staff). Returns the member and whether it was created."""
    principal.require_staff()
    check_member(member_id, body)
    items = list(store.query_all(keys.member_pk(member_id)))  # the profile and the invoices that follow it
    previous = next((i for i in items if i["SK"] == keys.PROFILE), None)
    record = replacement_record(member_id, body, previous)
    following, told = _records_follow_profile(principal, previous, record, items)
    from renewal import notices

    # The member is told how each invoice followed, in the same write as the change.
    _write_profile(principal, record, previous, "member.create" if previous is None else "member.update",
                   extra=following + notices.invoice_changes_ops(member_id, told, clock.today()))
    return _member_view(record, []), previous is None


def load_page(member_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The member's page of data: profile and everything kept beside it, in one Query."""
    items = list(store.query_all(keys.member_pk(member_id)))
    profile = next((item for item in items if item["SK"] == keys.PROFILE), None)
    if profile is None:
        raise NotFound(f"No member {member_id}.")
    return profile, [item for item in items if item["SK"] != keys.PROFILE]


def _stored_contact(stored: dict[str, Any]) -> Contact:
    """The contact as stored: validated when it was written, so not again on every
    read (which would load email-validator and phonenumbers into every function)."""
    address = stored.get("address")
    return Contact.model_construct(
        email=stored.get("email"), phone=stored.get("phone"),
        address=Address.model_construct(**{"line2": None, "country": "US", **address}) if address else None,
    )


def _member_view(profile: dict[str, Any], related: list[dict[str, Any]]) -> Member:
    held = [(c["code"], dt.date.fromisoformat(c["earned_on"])) for c in profile.get("credentials", [])]
    return Member(
        member_id=profile["member_id"],
        first_name=profile["first_name"],
        last_name=profile["last_name"],
        affiliate=profile.get("affiliate"),
        contact=_stored_contact(profile.get("contact") or {}),
        credentials=[
            Credential(code=code, earned_on=earned_on, **standing.credential_standing(
                code, related, clock.today(), profile=profile, current_rules=current_rules(profile, related)))
            for code, earned_on in held
        ],
        waivers=[MemberWaiver(**w) for w in profile.get("waivers", [])],
        account=next((MemberAccount(**{k: i.get(k) for k in MemberAccount.model_fields})
                      for i in related if i["SK"] == keys.ACCOUNT), None),
    )


def current_rules(profile: dict[str, Any], related: list[dict[str, Any]]) -> Any:
    """This year's rule set, read only for a member behind on a year the previous
    system ran (one GetItem more for them; none for everyone else)."""
    today = clock.today()
    if not standing.needs_current_rules(profile, related, today):
        return None
    from renewal.rules import load_rule_set

    return load_rule_set(today.year)


def get_member(principal: Principal, member_id: str) -> Member:
    principal.require_staff()
    return _member_view(*load_page(member_id))


def get_own_member(principal: Principal) -> Member:
    return _member_view(*load_page(principal.require_member()))


def patch_contact(principal: Principal, patch: ContactPatch) -> Member:
    member_id = principal.require_member()
    profile, related = load_page(member_id)
    changes = patch.model_dump(mode="json", include=patch.model_fields_set)
    contact = profile.get("contact") or {}
    if patch.address is not None:
        merged = {**(contact.get("address") or {}), **patch.address.model_dump(include=patch.address.model_fields_set)}
        try:
            changes["address"] = Address(**merged).model_dump(mode="json")
        except ValidationError as error:
            raise ValidationFailed(
                "The address is not a valid US address.",
                details=[{"field": "address." + ".".join(str(p) for p in e["loc"]), "message": e["msg"],
                          "type": e["type"]} for e in error.errors()],
            ) from None
    record = {**profile, "contact": {**contact, **changes}, "updated_at": clock.now_iso(),
              "version": profile.get("version", 0) + 1}
    record.update(directory.profile_keys(record))  # a new e-mail moves the profile in the e-mail index
    _write_profile(principal, record, profile, "contact.update", reindex=directory.summary_changed(profile, record))
    return _member_view(record, related)
