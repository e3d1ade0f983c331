"""Check characters of the two identifiers an applicant gives: the unified social credit code of
an organisation (GB 32100-2015) and the resident identity card number of a person (GB 11643-1999).

Pure functions over strings; no Django."""

from __future__ import annotations

from datetime import date

__all__ = ["credit_code_check_char", "id_number_check_char", "is_valid_credit_code", "is_valid_id_number"]

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""GB 32100-2015 §4: the 31 characters a code may use (no I, O, Z, S, V)."""
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
"""3^(i-1) mod 31 for positions 1–17 (GB 32100-2015 §5)."""

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
"""GB 11643-1999: ISO 7064 MOD 11-2; the remainder 0…10 maps to these check characters."""


def credit_code_check_char(first17: str) -> str | None:
    """The 18th character of a unified social credit code whose first 17 are ``first17``, or None
    if they contain a character the standard does not allow."""
    if len(first17) != 17 or any(c not in CREDIT_CODE_CHARS for c in first17):
        return None
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """An 18-character unified social credit code whose check character is right
    (GB 32100-2015): position 1 the registering authority, 2 the kind of organisation, 3–8 the
    administrative division (digits), 9–17 the organisation code, 18 the check character."""
    code = code.strip().upper()
    if len(code) != 18 or not code[2:8].isdigit():
        return False
    return credit_code_check_char(code[:17]) == code[17]


def id_number_check_char(first17: str) -> str | None:
    if len(first17) != 17 or not first17.isdigit():
        return None
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def is_valid_id_number(number: str) -> bool:
    """An 18-character resident identity card number with a real date of birth in positions
    7–14 and the right check character (GB 11643-1999)."""
    number = number.strip().upper()
    if len(number) != 18:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born.year < 1880:
        return False
    return id_number_check_char(number[:17]) == number[17]
