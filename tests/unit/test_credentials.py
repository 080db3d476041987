from renewal.credentials import CredentialCode, normalize_code


def test_nalp_is_the_old_name_of_calp():
    assert normalize_code("NALP") == CredentialCode.CALP
    assert normalize_code(" nalp ") == CredentialCode.CALP


def test_codes_are_upper_cased_and_others_left_to_validation():
    assert normalize_code("cam") == "CAM"
    assert normalize_code(7) == 7
