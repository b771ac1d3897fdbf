"""Display filters for durations, ratios and money; `{% load tally %}`."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import engines
from django.utils.safestring import mark_safe

from tallyhour.core import dates
from tallyhour.core.money import hours as decimal_hours
from tallyhour.core.money import round_money

register = template.Library()


class Counting(Protocol):
    """Anything that counts seconds up to a moment, like a timer."""

    def elapsed_seconds(self, now: dt.datetime) -> int: ...


CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}
MINUS = "\u2212"


@register.filter
def hours(seconds: int | None, style: str = "clock") -> str:
    """Seconds as `7:30` (the default), `7.50 h` (`|hours:"decimal"`) or `7:30:05` (`"long"`)."""
    value = int(seconds or 0)
    sign = MINUS if value < 0 else ""
    value = abs(value)
    if style == "decimal":
        return f"{sign}{decimal_hours(value)} h"
    if style == "long":
        return f"{sign}{value // 3600}:{value % 3600 // 60:02d}:{value % 60:02d}"
    return sign + dates.duration_text(value)


@register.filter
def iso_week(day: dt.date | None) -> str:
    """The ISO week of a date as `2026-W47`."""
    return dates.format_week(day) if day else ""


@register.filter
def plus_days(day: dt.date | None, count: int) -> dt.date | None:
    return day + dt.timedelta(days=int(count)) if day else None


@register.filter
def elapsed(timer: Counting | None) -> int:
    """Seconds a timer has counted so far (running time up to now included)."""
    return timer.elapsed_seconds(dates.now()) if timer is not None else 0


@register.filter
def percent(ratio: Decimal | float | None, places: int = 0) -> str:
    """A ratio (0.75) as `75 %`; unknown ratios (nothing available) as an en dash."""
    if ratio is None or ratio == "":
        return "–"
    exponent = Decimal(1).scaleb(-int(places))
    value = (Decimal(str(ratio)) * 100).quantize(exponent, rounding=ROUND_HALF_UP)
    return f"{value} %"


@register.filter
def share(part: int | None, whole: int | None) -> int:
    """`part` as a whole percentage of `whole`, clamped to 0–100 (for bars)."""
    if not whole:
        return 100 if part else 0
    return max(0, min(100, round(100 * (part or 0) / whole)))


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """`£1,234.50`, or `1,234.50 CHF` for currencies without a familiar symbol."""
    if amount is None:
        return "–"
    code = (currency or "").upper()
    value = round_money(Decimal(amount), code) if code else Decimal(amount)
    sign = MINUS if value < 0 else ""
    text = intcomma(f"{abs(value):f}", use_l10n=False)
    symbol = CURRENCY_SYMBOLS.get(code)
    if symbol:
        return f"{sign}{symbol}{text}"
    return f"{sign}{text} {code}".strip()


@register.simple_tag(takes_context=True)
def jinja(context: template.Context, template_name: str, **extra: Any) -> str:
    """A Jinja2 partial (see core/jinja.py) rendered with this template's context."""
    partial = engines["jinja2"].get_template(template_name)
    values = {str(name): value for name, value in context.flatten().items()} | extra
    html = partial.render(values, request=context.get("request"))
    return mark_safe(html)  # noqa: S308 (rendered by an autoescaping engine)


@register.inclusion_tag("partials/bar.html")
def bar(value: int, maximum: int, label: str = "", over_class: str = "") -> dict[str, Any]:
    """A small horizontal bar (SVG, no inline styles) for `value` out of `maximum`."""
    filled = share(value, maximum)
    over = bool(maximum) and (value or 0) > maximum
    return {"filled": filled, "label": label, "over": over, "over_class": over_class}
