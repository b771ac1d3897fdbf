"""Charge types named by id in an API request (422 naming the field)."""

from tallyhour.core.apikit.lookups import one_or_invalid
from tallyhour.timetracking.models import ChargeType
from tallyhour.timetracking.selectors import active_charge_types


def charge_type_from(pk: int | None, field: str = "charge_type_id") -> ChargeType | None:
    return one_or_invalid(active_charge_types, pk, field, "active charge type")
