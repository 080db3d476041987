"""Request bodies shared by the integration tests."""

import copy

RULE_SET_2027 = {
    "renewal_year": 2027,
    "currency": "usd",
    "due_date": "2027-01-01",
    "grace_ends": "2027-03-31",
    "reinstatement_fee_cents": 5000,
    "earning_window": {"start": "2026-01-01", "end": "2026-12-31"},
    "participation_cap": 2,
    "require_complete_submission": True,
    "first_year_cec_waived": True,
    "credentials": {
        "CAM": {"cec_required": 8, "in_network_min": 5, "fee_cents": 17500, "renews_annually": True},
        "CALP": {"cec_required": 5, "in_network_min": 3, "fee_cents": 12500, "renews_annually": True},
        "CAMT": {"cec_required": 0, "in_network_min": 0, "fee_cents": 0, "renews_annually": False},
    },
}

ANA = {
    "first_name": "Ana",
    "last_name": "Diaz",
    "affiliate": "AASC",
    "contact": {
        "email": "ana@example.org",
        "phone": "+17195550100",
        "address": {"line1": "1 Main St", "line2": None, "city": "Colorado Springs", "state": "CO",
                    "postal_code": "80903", "country": "US"},
    },
    "credentials": [{"code": "CAM", "earned_on": "2019-05-04"}, {"code": "NALP", "earned_on": "2020-02-01"}],
}


def fresh(payload):
    return copy.deepcopy(payload)
