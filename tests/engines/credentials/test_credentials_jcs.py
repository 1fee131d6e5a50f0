"""RFC 8785 JSON Canonicalization (used by eddsa-jcs-2022): numbers and key order.

Expected values are from RFC 8785 Appendix B (number serialisation samples, given there as
IEEE 754 bit patterns) and section 3.2.3 (sorting by UTF-16 code units).
"""

from __future__ import annotations

import struct

import pytest

import ortaq.engines.credentials as creds

RFC8785_NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "expected"), RFC8785_NUMBERS)
def test_it_serialises_numbers_as_rfc_8785_requires(bits: str, expected: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert creds.jcs(value) == expected


def test_it_sorts_keys_by_utf16_code_units_and_escapes_only_what_json_requires() -> None:
    # RFC 8785 §3.2.3 example keys: U+20AC, CR, U+FB33, "1", U+1F600 (a surrogate pair), U+0080, U+00F6
    document = {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001F600": 5, "\u0080": 6, "\u00f6": 7}
    assert creds.jcs(document) == (
        '{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\U0001F600":5,"\ufb33":3}'
    )
    assert creds.jcs({"q": 'quote" and\nline\u2028'}) == '{"q":"quote\\" and\\nline\u2028"}'


def test_it_refuses_values_that_json_cannot_carry() -> None:
    with pytest.raises(creds.InputError):
        creds.jcs(float("nan"))
    with pytest.raises(creds.InputError):
        creds.jcs({"a": {1, 2}})
