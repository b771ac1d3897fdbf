"""A charge type's billing rules in words: `{% load charge_rules %}`, then
`{{ charge_type|rounding_rule }}` ("15 min up, min 30 min, per entry") and
`{{ charge_type|multiplier_rule }}` ("×1.5 out of hours, ×2 weekend")."""

from decimal import Decimal

from django import template

from tallyhour.timetracking.models import ChargeType, RoundingMode, RoundingScope

register = template.Library()

_SCOPES: dict[str, str] = {
    RoundingScope.ENTRY: "per entry",
    RoundingScope.TICKET_DAY: "per ticket per day",
}
_MODES: dict[str, str] = {
    RoundingMode.UP: "up",
    RoundingMode.NEAREST: "to nearest",
    RoundingMode.DOWN: "down",
}


def _factor(value: Decimal) -> str:
    return f"×{value.normalize():f}"


@register.filter
def rounding_rule(charge_type: ChargeType) -> str:
    increment = charge_type.rounding_increment_minutes
    minimum = charge_type.rounding_minimum_minutes
    if not increment and not minimum:
        return "Exact, no rounding"
    parts = []
    if increment:
        parts.append(f"{increment} min {_MODES.get(charge_type.rounding_mode, '')}".strip())
    if minimum:
        parts.append(f"min {minimum} min")
    parts.append(_SCOPES.get(charge_type.rounding_scope, charge_type.rounding_scope))
    return ", ".join(parts)


@register.filter
def multiplier_rule(charge_type: ChargeType) -> str:
    one = Decimal("1")
    parts = [
        f"{_factor(value)} {label}"
        for value, label in (
            (charge_type.multiplier_out_of_hours, "out of hours"),
            (charge_type.multiplier_weekend, "weekend"),
            (charge_type.multiplier_holiday, "public holiday"),
        )
        if value != one
    ]
    if charge_type.multiplier_out_of_hours != one and charge_type.business_hours_start:
        start, end = charge_type.business_hours_start, charge_type.business_hours_end
        parts[0] += f" (outside {start:%H:%M}–{end:%H:%M} Mon–Fri)"
    return ", ".join(parts) or "No multipliers"
