"""GS1 identifiers: the mod-10 check digit, GTIN validation and the SSCC-18 pallet id.

The algorithm is GS1 General Specifications §7.9: weights 3,1,3,1… from the rightmost digit of the
body (the identifier without its check digit). Hand-written because it is five lines and every
library that offers it pulls in far more than it gives.
"""

from __future__ import annotations

GTIN_LENGTHS = frozenset({8, 12, 13, 14})
GLN_LENGTH = 13
SSCC_LENGTH = 18


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of ``body`` (all digits, check digit excluded)."""
    if not body.isdigit() or not body.isascii():
        raise ValueError(f"a GS1 identifier has digits only, got {body!r}")
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def has_valid_check_digit(identifier: str) -> bool:
    """True when the last digit of ``identifier`` is the check digit of the rest."""
    if len(identifier) < 2 or not identifier.isdigit() or not identifier.isascii():
        return False
    return check_digit(identifier[:-1]) == int(identifier[-1])


def gtin_problem(gtin: str) -> str | None:
    """Why ``gtin`` is not a valid GTIN-8/12/13/14, or None when it is."""
    if not gtin.isdigit() or not gtin.isascii():
        return "a GTIN has digits only"
    if len(gtin) not in GTIN_LENGTHS:
        return f"a GTIN has 8, 12, 13 or 14 digits, this one has {len(gtin)}"
    if not has_valid_check_digit(gtin):
        expected = check_digit(gtin[:-1])
        return f"the check digit is {gtin[-1]} but should be {expected} (GS1 mod-10)"
    return None


def gln_problem(gln: str) -> str | None:
    """Why ``gln`` is not a valid Global Location Number (13 digits, mod-10 check digit), or None."""
    if not gln.isdigit() or not gln.isascii():
        return "a GLN has digits only"
    if len(gln) != GLN_LENGTH:
        return f"a GLN has {GLN_LENGTH} digits, this one has {len(gln)}"
    if not has_valid_check_digit(gln):
        return f"the check digit is {gln[-1]} but should be {check_digit(gln[:-1])} (GS1 mod-10)"
    return None


def normalize_gtin(gtin: str) -> str:
    """The GTIN left-padded to 14 digits, the form GS1 prescribes for comparing GTINs."""
    problem = gtin_problem(gtin)
    if problem:
        raise ValueError(f"invalid GTIN {gtin!r}: {problem}")
    return gtin.zfill(14)


def build_sscc(extension_digit: int, company_prefix: str, serial_reference: int) -> str:
    """The SSCC-18 for one logistic unit: extension digit, company prefix, serial reference, check digit.

    The serial reference fills the digits the company prefix leaves free (17 in all before the
    check digit), so a longer prefix leaves a shorter serial range.
    """
    if not 0 <= extension_digit <= 9:
        raise ValueError(f"the SSCC extension digit is 0-9, got {extension_digit}")
    if not company_prefix.isdigit() or not 4 <= len(company_prefix) <= 12:
        raise ValueError(f"a GS1 company prefix has 4 to 12 digits, got {company_prefix!r}")
    serial_width = SSCC_LENGTH - 2 - len(company_prefix)
    if not 0 <= serial_reference < 10**serial_width:
        raise ValueError(
            f"serial reference {serial_reference} does not fit the {serial_width} digits left by "
            f"company prefix {company_prefix}"
        )
    body = f"{extension_digit}{company_prefix}{serial_reference:0{serial_width}d}"
    return body + str(check_digit(body))


def is_valid_sscc(sscc: str) -> bool:
    """True for 18 digits with a correct check digit."""
    return len(sscc) == SSCC_LENGTH and has_valid_check_digit(sscc)
