"""Validators for national identifiers. Each returns None when valid and raises ValidationError otherwise."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Kazakh IIN and BIN share one check-digit scheme (Rules for forming the IIN/BIN, Law of RK "On national
# registers of identification numbers", 2007): weights 1..11; if the remainder is 10, weights 3..11,1,2;
# if it is 10 again the number is never issued.
_W1 = list(range(1, 12))
_W2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]


def kz_check_digit(digits: str) -> int | None:
    values = [int(c) for c in digits[:11]]
    remainder = sum(v * w for v, w in zip(values, _W1)) % 11
    if remainder == 10:
        remainder = sum(v * w for v, w in zip(values, _W2)) % 11
    return None if remainder == 10 else remainder


def validate_iin(value: str) -> None:
    """Kazakh individual identification number: YYMMDD, century-and-sex digit 1–6, serial, check digit."""
    if not re.fullmatch(r"\d{12}", value or ""):
        raise ValidationError(_("An IIN has exactly 12 digits."), code="iin_format")
    century_digit = int(value[6])
    if century_digit not in range(1, 7):
        raise ValidationError(_("The 7th digit of an IIN (century and sex) must be 1 to 6."), code="iin_century")
    century = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}[century_digit]
    try:
        dt.date(century + int(value[0:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise ValidationError(_("The first six digits of an IIN must be a real date of birth."), code="iin_date")
    if kz_check_digit(value) != int(value[11]):
        raise ValidationError(_("The IIN check digit does not match: please check for a typing error."), code="iin_check")


def validate_bin(value: str) -> None:
    """Kazakh business identification number: YYMM of registration, entity type 4–6, attribute 0–3, check digit."""
    if not re.fullmatch(r"\d{12}", value or ""):
        raise ValidationError(_("A BIN has exactly 12 digits."), code="bin_format")
    if not 1 <= int(value[2:4]) <= 12:
        raise ValidationError(_("Digits 3–4 of a BIN are the month of registration (01–12)."), code="bin_month")
    if value[4] not in "456":
        raise ValidationError(_("The 5th digit of a BIN (type of legal entity) must be 4, 5 or 6."), code="bin_type")
    if kz_check_digit(value) != int(value[11]):
        raise ValidationError(_("The BIN check digit does not match: please check for a typing error."), code="bin_check")


# GB 32100-2015, unified social credit code: 18 characters from 0-9 and 21 capitals (no I, O, Z, S, V);
# the 18th is a check character over the first 17 with weights 3^i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_check_character(code17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code17, _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    value = (value or "").upper()
    if len(value) != 18:
        raise ValidationError(_("A unified social credit code has exactly 18 characters."), code="uscc_length")
    bad = sorted({c for c in value if c not in USCC_ALPHABET})
    if bad:
        raise ValidationError(
            _("A unified social credit code uses digits and capital letters except I, O, Z, S and V; found: %(chars)s"),
            code="uscc_alphabet",
            params={"chars": " ".join(bad)},
        )
    if uscc_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of the unified social credit code does not match: please check for a typing error."),
            code="uscc_check",
        )


_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"


def validate_schac_domain(value: str) -> None:
    """SCHAC home organisation: the institution's lower-case internet domain, e.g. `college.edu.kz`."""
    if not re.fullmatch(rf"{_LABEL}(\.{_LABEL})+", value or "") or len(value) > 253:
        raise ValidationError(
            _("A SCHAC code is the institution's internet domain in lower case, such as college.edu.kz."),
            code="schac",
        )
