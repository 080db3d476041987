"""Certificates of a credential in good standing, with a public verification
number that is unguessable and tells nothing but the holder's name, the
credential and how far it is renewed."""


import secrets
from typing import Any



from renewal import clock, keys, members, pdf, standing
from renewal.adapters import store
from renewal.auth import Principal
from renewal.credentials import CredentialCode
from renewal.errors import Conflict, NotFound
from renewal.members import load_page
from renewal.model import Model

GOOD_STANDING = ("active", "lifetime")


class Verification(Model):
    certificate_number: str
    valid: bool
    name: str
    credential: str
    renewed_through: int | None


def _held(profile: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((c for c in profile.get("credentials", []) if c["code"] == code), None)


def _standing(profile: dict[str, Any], related: list[dict[str, Any]], code: str) -> dict[str, Any] | None:
    held = _held(profile, code)
    if held is None:
        return None
    return {**held, **standing.credential_standing(code, related, clock.today(), profile=profile,
                                                   current_rules=members.current_rules(profile, related))}


def _number(member_id: str, code: str, related: list[dict[str, Any]]) -> str:
    pointer_sk = keys.member_certificate_key(member_id, code)[keys.SK]
    existing = next((i for i in related if i["SK"] == pointer_sk), None)
    if existing:
        return existing["certificate_number"]
    # 16 hex digits from the OS's CSPRNG: not guessable, not sequential.
    number = secrets.token_hex(8).upper()
    number = "-".join(number[i : i + 4] for i in range(0, 16, 4))
    now = clock.now_iso()
    try:
        store.transact([
            store.put_op({**keys.member_certificate_key(member_id, code), "certificate_number": number,
                          "issued_at": now}, condition="attribute_not_exists(SK)"),
            store.put_op({**keys.certificate_key(number), "certificate_number": number, "member_id": member_id,
                          "credential": code, "issued_at": now}, condition="attribute_not_exists(PK)"),
        ])
    except store.ConditionFailed:
        again = store.get(keys.member_certificate_key(member_id, code))
        if again is None:
            raise
        return again["certificate_number"]
    return number


def certificate_pdf(principal: Principal, code: str, verify_base_url: str) -> bytes:
    member_id = principal.require_member()
    try:
        code = CredentialCode(code.upper()).value
    except ValueError as error:
        raise NotFound(f"No credential {code}.") from error
    profile, related = load_page(member_id)
    held = _standing(profile, related, code)
    if held is None:
        raise NotFound(f"You do not hold {code}.")
    if held["status"] not in GOOD_STANDING:
        raise Conflict(f"{code} is {held['status']}: a certificate is issued for a credential in good standing. "
                       "Complete the renewal first.", code="not_in_good_standing",
                       details=[{"credential": code, "status": held["status"]}])
    number = _number(member_id, code, related)
    renewed = held["renewed_through"]
    return pdf.certificate(
        name=f"{profile['first_name']} {profile['last_name']}", credential=code, earned_on=held["earned_on"],
        renewed_through="lifetime" if held["status"] == "lifetime" else (str(renewed) if renewed else "current year"),
        number=number, verify_url=f"{verify_base_url.rstrip('/')}/verify/{number}",
    )


def verify(certificate_number: str) -> Verification:
    record = store.get(keys.certificate_key(certificate_number.upper()))
    if record is None:
        raise NotFound("No such certificate.")
    profile, related = load_page(record["member_id"])
    held = _standing(profile, related, record["credential"])
    return Verification(
        certificate_number=record["certificate_number"],
        valid=held is not None and held["status"] in GOOD_STANDING,
        name=f"{profile['first_name']} {profile['last_name']}",
        credential=record["credential"],
        renewed_through=held["renewed_through"] if held else None,
    )


