from renewal.audit import diff


def test_diff_names_each_changed_field_by_its_path():
    before = {"contact": {"email": "a@example.org", "phone": "+17195550100"}, "first_name": "Ana"}
    after = {"contact": {"email": "b@example.org", "phone": "+17195550100"}, "first_name": "Ana"}
    assert diff(before, after) == {"contact.email": {"from": "a@example.org", "to": "b@example.org"}}


def test_diff_of_a_new_record_lists_every_field():
    assert diff({}, {"first_name": "Ana"}) == {"first_name": {"from": None, "to": "Ana"}}
