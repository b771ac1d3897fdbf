"""Rounding: worked seconds to billed seconds, and an entry's share of a line's amount.

Pure arithmetic on plain numbers; nothing here reads the database.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from tallyhour.timetracking.models import RoundingMode

ONE = Decimal("1")
# An entry's share of a line's amount is kept on the entry in millionths of the currency.
MICROS = 1_000_000


class RoundingRule(Protocol):
    """The rounding fields of a charge type."""

    rounding_increment_minutes: int
    rounding_minimum_minutes: int
    rounding_mode: str


def round_seconds(seconds: int, *, increment_minutes: int, minimum_minutes: int, mode: str) -> int:
    """Billed seconds for `seconds` of work: blocks of `increment_minutes` (up, nearest or
    down), then at least `minimum_minutes`. Nothing worked bills nothing."""
    if seconds <= 0:
        return 0
    billed = seconds
    step = increment_minutes * 60
    if step:
        blocks, rest = divmod(seconds, step)
        if mode == RoundingMode.UP and rest or mode == RoundingMode.NEAREST and rest * 2 >= step:
            blocks += 1
        billed = blocks * step
    return max(billed, minimum_minutes * 60)


def billed_seconds_for(seconds: int, charge: RoundingRule) -> int:
    """`seconds` rounded by the charge type's rule."""
    return round_seconds(
        seconds,
        increment_minutes=charge.rounding_increment_minutes,
        minimum_minutes=charge.rounding_minimum_minutes,
        mode=charge.rounding_mode,
    )


def billed_hours(seconds: int, places: int) -> Decimal:
    """Billed time as the invoice quantity: hours rounded half-up to `places` decimals
    (the organisation's choice). Lines are priced from this figure, so the quantity printed
    times the rate printed is the amount printed; the exact seconds stay on the line."""
    step = Decimal(1).scaleb(-places)
    return (Decimal(seconds) / 3600).quantize(step, rounding=ROUND_HALF_UP)


def scaled_seconds(part: int, whole: int, total: int) -> int:
    """part/whole of total, rounded half-up, in integer seconds."""
    if whole <= 0:
        return 0
    return int((Decimal(part) * total / whole).quantize(ONE, rounding=ROUND_HALF_UP))


def micros_share(seconds: int, line_seconds: int, amount: Decimal) -> int:
    """`seconds` of a line's `line_seconds` as millionths of the line's amount, half up."""
    share = Decimal(seconds) * amount * MICROS / line_seconds
    return int(share.quantize(ONE, rounding=ROUND_HALF_UP))
