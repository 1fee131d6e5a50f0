import pytest
from django.core.exceptions import ValidationError

from ortaq.validators import kz_check_digit, uscc_check_character, validate_bin, validate_iin, validate_schac_domain, validate_uscc


def with_check(first11: str) -> str:
    return first11 + str(kz_check_digit(first11))


def test_a_well_formed_iin_with_its_check_digit_is_accepted():
    validate_iin(with_check("05031565001"))  # born 15 March 2005, female (6), serial 5001


@pytest.mark.parametrize(
    "value, code",
    [
        ("12345", "iin_format"),
        ("0503156500a1", "iin_format"),
        ("050315050011", "iin_century"),  # 7th digit 0
        ("051315650011", "iin_date"),  # month 13
        ("050230650011", "iin_date"),  # 30 February
    ],
)
def test_a_malformed_iin_is_refused_with_a_specific_reason(value, code):
    with pytest.raises(ValidationError) as error:
        validate_iin(value)
    assert error.value.code == code


def test_an_iin_with_a_wrong_check_digit_is_refused():
    good = with_check("05031565001")
    bad = good[:11] + str((int(good[11]) + 1) % 10)
    with pytest.raises(ValidationError) as error:
        validate_iin(bad)
    assert error.value.code == "iin_check"


def test_the_second_weight_sequence_is_used_when_the_first_gives_ten():
    # Found by search: the first weighted sum of these digits is 10 mod 11, so the 3..11,1,2 weights decide.
    digits = next(
        f"{n:011d}" for n in range(10**10, 10**10 + 5000)
        if sum(int(c) * w for c, w in zip(f"{n:011d}", range(1, 12))) % 11 == 10
    )
    second = sum(int(c) * w for c, w in zip(digits, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
    assert kz_check_digit(digits) == (None if second == 10 else second)


def test_a_bin_is_checked_for_month_type_and_check_digit():
    validate_bin(with_check("98034000002"))
    for bad, code in (("981340000020", "bin_month"), (with_check("98037000002"), "bin_type"), ("1234", "bin_format")):
        with pytest.raises(ValidationError) as error:
            validate_bin(bad)
        assert error.value.code == code


def test_the_uscc_check_character_matches_the_gb_32100_example():
    # GB 32100-2015 worked example used across Chinese registries: 91350100M000100Y43.
    assert uscc_check_character("91350100M000100Y4") == "3"
    validate_uscc("91350100M000100Y43")


@pytest.mark.parametrize("value, code", [("91350100M000100Y4", "uscc_length"), ("91350100M000100YI3", "uscc_alphabet"), ("91350100M000100Y44", "uscc_check")])
def test_a_wrong_uscc_is_refused(value, code):
    with pytest.raises(ValidationError) as error:
        validate_uscc(value)
    assert error.value.code == code


@pytest.mark.parametrize("value", ["college.edu.kz", "tianjin-poly.edu.cn"])
def test_a_schac_domain_is_a_lowercase_internet_domain(value):
    validate_schac_domain(value)


@pytest.mark.parametrize("value", ["College.edu.kz", "nodot", "-bad.kz", "a..kz", "http://x.kz"])
def test_a_bad_schac_domain_is_refused(value):
    with pytest.raises(ValidationError):
        validate_schac_domain(value)
