"""Writes for charge types: creating and changing one (admins), each one transaction and one
audit row. A charge type is never deleted here: time entries, timers, tickets and rates point
at it, so retiring one is deactivating it (`is_active` false), which keeps its history."""

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from tallyhour.accounts.models import User
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.errors import Forbidden, InvalidInput, full_clean_or_invalid
from tallyhour.timetracking.models import ChargeType

CHARGE_TYPE_FIELDS = [
    "name",
    "is_billable",
    "hourly_rate",
    "is_active",
    "rounding_increment_minutes",
    "rounding_minimum_minutes",
    "rounding_mode",
    "rounding_scope",
    "multiplier_out_of_hours",
    "multiplier_weekend",
    "multiplier_holiday",
    "business_hours_start",
    "business_hours_end",
]
EDITABLE = frozenset(CHARGE_TYPE_FIELDS)
MULTIPLIERS = ("multiplier_out_of_hours", "multiplier_weekend", "multiplier_holiday")
MAX_ROUNDING_MINUTES = 24 * 60  # a day: the longest entry there is
MAX_MULTIPLIER = Decimal("10")


def _check_admin(actor: User, doing: str) -> None:
    if not actor.is_admin_role:
        raise Forbidden(f"Only admins {doing} charge types.")


def _check_values(charge_type: ChargeType) -> None:
    """The rules the model's checks hold without naming a field, named here for the form."""
    errors: dict[str, str] = {}
    for name in ("rounding_increment_minutes", "rounding_minimum_minutes"):
        value = getattr(charge_type, name)
        if isinstance(value, int) and not 0 <= value <= MAX_ROUNDING_MINUTES:
            errors[name] = f"Between 0 and {MAX_ROUNDING_MINUTES} minutes."
    for name in MULTIPLIERS:
        value = getattr(charge_type, name)
        if isinstance(value, Decimal) and not Decimal("0") < value <= MAX_MULTIPLIER:
            errors[name] = f"More than 0 and at most {MAX_MULTIPLIER}."
    start, end = charge_type.business_hours_start, charge_type.business_hours_end
    if (start is None) != (end is None):
        missing = "business_hours_end" if end is None else "business_hours_start"
        errors[missing] = "Give both ends of business hours, or neither."
    elif start is not None and end is not None and end <= start:
        errors["business_hours_end"] = "Must be after the start."
    if isinstance(charge_type.hourly_rate, Decimal) and charge_type.hourly_rate < 0:
        errors["hourly_rate"] = "Must not be negative."
    if errors:
        raise InvalidInput("; ".join(f"{k}: {v}" for k, v in errors.items()), fields=errors)


def _check_name_free(charge_type: ChargeType) -> None:
    # Case-insensitively: "Onsite" and "onsite" would be two charge types nobody can tell apart.
    clash = ChargeType.objects.filter(name__iexact=charge_type.name).exclude(pk=charge_type.pk)
    if clash.exists():
        raise InvalidInput(
            f"A charge type named {charge_type.name!r} already exists.",
            fields={"name": "A charge type with this name already exists."},
        )


def _validate_and_save(charge_type: ChargeType) -> None:
    if isinstance(charge_type.name, str):
        charge_type.name = charge_type.name.strip()
    _check_values(charge_type)
    _check_name_free(charge_type)
    full_clean_or_invalid(charge_type)
    try:
        with transaction.atomic():  # a savepoint: a parallel rename loses here, cleanly
            charge_type.save()
    except IntegrityError as exc:
        raise InvalidInput(
            "A charge type with this name already exists.",
            fields={"name": "A charge type with this name already exists."},
        ) from exc


@transaction.atomic
def charge_type_create(*, name: str, actor: User, **values: Any) -> ChargeType:
    """A new charge type; `values` are any other field of CHARGE_TYPE_FIELDS (model defaults
    for the rest)."""
    _check_admin(actor, "create")
    unknown = set(values) - EDITABLE
    if unknown:
        raise TypeError(f"Unknown charge type fields: {sorted(unknown)}")
    charge_type = ChargeType(name=name, **values)
    _validate_and_save(charge_type)
    charge_type.refresh_from_db()  # the stored values ("1.50"), as the API answers them
    audit_record(
        actor=actor,
        action="charge_type.create",
        obj=charge_type,
        after=snapshot(charge_type, CHARGE_TYPE_FIELDS),
    )
    return charge_type


@transaction.atomic
def charge_type_update(
    *, charge_type: ChargeType, actor: User, changes: dict[str, Any]
) -> ChargeType:
    """Change the fields named in `changes`. Time already invoiced keeps what it was billed
    at; deactivating keeps every entry, rate and ticket that uses the charge type, and only
    takes it out of the choices for new time."""
    _check_admin(actor, "change")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise TypeError(f"Unknown charge type fields: {sorted(unknown)}")
    charge_type = ChargeType.objects.select_for_update().get(pk=charge_type.pk)
    before = snapshot(charge_type, CHARGE_TYPE_FIELDS)
    for key, value in changes.items():
        setattr(
            charge_type, key, value.strip() if key == "name" and isinstance(value, str) else value
        )
    _validate_and_save(charge_type)
    charge_type.refresh_from_db()  # compare stored values: "1.5" and "1.50" are one multiplier
    after = snapshot(charge_type, CHARGE_TYPE_FIELDS)
    if after == before:
        return charge_type
    changed = [key for key in CHARGE_TYPE_FIELDS if before[key] != after[key]]
    audit_record(
        actor=actor,
        action="charge_type.update",
        obj=charge_type,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
    )
    return charge_type
