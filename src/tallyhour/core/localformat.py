"""Numbers, money and dates as a locale writes them (Babel), for documents sent to clients.

Nothing here rounds a value further than it is stored: a quantity of 2.25 h prints as 2.25,
a unit price of 95.125 as £95.125, so the printed quantity × printed price is the printed
amount (the billing rule every line keeps).
"""

import datetime as dt
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.numbers import format_currency, format_decimal

DEFAULT_LOCALE = "en_GB"


def valid_locale(code: str) -> bool:
    """Whether Babel knows `code` (e.g. en_GB, de_DE, fr_CH)."""
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def _locale(code: str) -> str:
    # A locale that became unknown (a Babel upgrade, a hand-edited row) must not break a
    # document: fall back to the default rather than raise while rendering.
    return code if code and valid_locale(code) else DEFAULT_LOCALE


def significant_places(value: Decimal) -> int:
    """Decimals a value needs: 2.2500 → 2, 1.0000 → 0, 95.125 → 3."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def money(amount: Decimal, currency: str, locale: str) -> str:
    """`£1,234.50`, `1.234,50 €`: at least the currency's decimals, more only when the value
    has them (unit prices are stored to 4 places)."""
    return format_currency(
        Decimal(amount), currency, locale=_locale(locale), decimal_quantization=False
    )


def number(value: Decimal, locale: str, min_places: int = 0) -> str:
    """A quantity with at least `min_places` decimals and every significant one beyond."""
    pattern = "#,##0" + ("." + "0" * min_places if min_places else ".")
    return format_decimal(
        Decimal(value), format=pattern, locale=_locale(locale), decimal_quantization=False
    )


def date(day: dt.date | None, locale: str) -> str:
    """`8 December 2026`, `8. Dezember 2026`."""
    return babel_format_date(day, format="long", locale=_locale(locale)) if day else ""


def date_time(moment: dt.datetime, locale: str) -> str:
    """A moment already in the reader's zone, e.g. `8 Dec 2026 14:05` (no seconds)."""
    code = _locale(locale)
    day = babel_format_date(moment.date(), format="medium", locale=code)
    return f"{day} {babel_format_time(moment.time(), format='short', locale=code)}"
