"""Member and contact validation: what staff and members may send."""

import pytest
from pydantic import ValidationError

from renewal.members import Address, ContactPatch, MemberIn

ADDRESS = {"line1": "1 Main St", "city": "Colorado Springs", "state": "co", "postal_code": "80903"}


def test_phone_spellings_are_normalised_to_e164():
    for spelling in ["(719) 555-0100", "719-555-0100", "+1 719 555 0100", "7195550100"]:
        assert ContactPatch(phone=spelling).phone == "+17195550100"


@pytest.mark.parametrize("phone", ["555", "not a phone", "+1 000 000 0000", "12345678901234567"])
def test_bad_phones_are_refused(phone):
    with pytest.raises(ValidationError):
        ContactPatch(phone=phone)


@pytest.mark.parametrize("email", ["ana", "ana@", "@example.org", "ana@@example.org"])
def test_bad_emails_are_refused(email):
    with pytest.raises(ValidationError):
        ContactPatch(email=email)


def test_email_cannot_be_removed():
    with pytest.raises(ValidationError):
        ContactPatch(email=None)


def test_address_is_a_us_address():
    address = Address(**ADDRESS)
    assert (address.state, address.country, address.line2) == ("CO", "US", None)
    assert Address(**{**ADDRESS, "postal_code": "80903-1234"}).postal_code == "80903-1234"


@pytest.mark.parametrize(
    "change",
    [{"state": "ZZ"}, {"postal_code": "8090"}, {"postal_code": "ABCDE"}, {"country": "CA"}, {"line1": " "},
     {"unit": "4"}],
)
def test_bad_addresses_are_refused(change):
    with pytest.raises(ValidationError):
        Address(**{**ADDRESS, **change})


def test_unknown_contact_fields_are_refused():
    with pytest.raises(ValidationError):
        ContactPatch(fax="719 555 0100")


def test_member_credentials_accept_nalp_as_calp_and_ignore_derived_fields():
    member = MemberIn(
        first_name="Ana",
        last_name="Diaz",
        credentials=[{"code": "nalp", "earned_on": "2019-05-04", "status": "lapsed", "renewed_through": 1999}],
    )
    assert member.credentials[0].code == "CALP"
    assert "status" not in member.credentials[0].model_dump()


def test_the_same_credential_twice_is_refused():
    with pytest.raises(ValidationError):
        MemberIn(
            first_name="Ana",
            last_name="Diaz",
            credentials=[{"code": "CALP", "earned_on": "2019-05-04"}, {"code": "NALP", "earned_on": "2018-01-01"}],
        )
