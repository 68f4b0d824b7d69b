"""Numbers written for people: fixed decimals, words instead of 1.5e-07, and round ticks for a log axis."""

from __future__ import annotations

import math
from collections.abc import Sequence


def tiny_difference(x: float, decimals: int = 6) -> str:
    """A difference that is normally float rounding: "less than one millionth" below 10^-6,
    otherwise fixed decimals ("0.000012")."""
    if not math.isfinite(x):
        return "not a number"
    if abs(x) < 10.0**-decimals:
        return "less than one millionth" if decimals == 6 else f"less than 1/{10**decimals:,}"
    return f"{x:.{decimals}f}"


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(x: float, digits: int = 1) -> str:
    """x as a mantissa with `digits` decimals times a power of ten: 9.7 × 10⁻²¹, 6 × 10⁻⁸ (digits=0)."""
    mantissa, exponent = f"{x:.{digits}e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(SUPERSCRIPT)}"


def readable_number(x: float) -> str:
    """A number for people: 0.59 for ordinary sizes, 9.7 × 10⁻²¹ for tiny ones (never 9.7e-21)."""
    return f"{x:.2f}" if x >= 0.01 else power_of_ten(x)


def powers_of_two_between(values: Sequence[float]) -> list[float]:
    """Every power of two from the one at or below the smallest (positive) value to the one at or above
    the largest: a log axis's ticks and ends, so a line lying at 1 sits on a labelled 1."""
    low, high = math.floor(math.log2(min(values))), math.ceil(math.log2(max(values)))
    return [2.0**power for power in range(low, high + 1)]
