"""Money helpers: Decimal only, one rounding rule (half-up to the currency's minor unit)."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units for currencies that do not use two decimals.
_MINOR_UNITS = {
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "VND": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}

SECONDS_PER_HOUR = Decimal(3600)


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def amount_for_seconds(rate: Decimal, seconds: int, currency: str) -> Decimal:
    """Hourly rate × billed time, rounded once: rate × minutes / 60 == rate × seconds / 3600."""
    return round_money(rate * Decimal(seconds) / SECONDS_PER_HOUR, currency)


def hours(seconds: int | None, places: int = 2) -> Decimal:
    """Seconds as decimal hours for display and the API (never used for billing maths)."""
    value = Decimal(seconds or 0) / SECONDS_PER_HOUR
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> Decimal:
    """Trailing zeros dropped, never in exponent form (90.0000 → 90, not 9E+1): a stored
    4-place quantity or rate as a document or an export shows it."""
    return Decimal(format(value.normalize(), "f"))
