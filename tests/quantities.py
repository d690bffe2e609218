"""Kubernetes resource quantities read back the way the API server reads them, for the tests.

An independent reading of k8s.io/apimachinery/pkg/api/resource's grammar (a number, then a
binary suffix Ki..Ei, a decimal suffix m, k, M..E, or an exponent), so that the renderers'
quantities are checked against Kubernetes' rules rather than against their own formatting.
"""

from __future__ import annotations

import re
from decimal import Decimal

_QUANTITY = re.compile(
    r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?"
)
_SUFFIXES = {
    "": Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    **{s: Decimal(2) ** (10 * (i + 1)) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
}


def parse_quantity(text: str) -> Decimal:
    """The value of a quantity in base units (cores, bytes). Raises ValueError if malformed."""
    found = _QUANTITY.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not a Kubernetes quantity")
    number, suffix = found.group(1), found.group(2) or ""
    if suffix[:1] in ("e", "E"):
        return Decimal(number) * Decimal(10) ** int(suffix[1:])
    return Decimal(number) * _SUFFIXES[suffix]


def millicores(text: str) -> Decimal:
    """A CPU quantity in millicores."""
    return parse_quantity(text) * 1000


def mebibytes(text: str) -> Decimal:
    """A memory quantity in MiB."""
    return parse_quantity(text) / 2**20
