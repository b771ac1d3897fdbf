"""API: charge types — every staff user reads them (to pick one); admins create and change
them. There is no delete: deactivating (`is_active` false) keeps the history."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.core.apikit.concurrency import (
    check_if_match,
    if_match_locked,
    lock_row,
    set_entity_tag,
)
from tallyhour.core.apikit.created import created
from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.schemas import ObjectId, error_responses
from tallyhour.core.idempotency import idempotency_header
from tallyhour.timetracking.charge_types import charge_type_create, charge_type_update
from tallyhour.timetracking.models import ChargeType
from tallyhour.timetracking.schemas import ChargeTypeIn, ChargeTypeOut, ChargeTypePatch
from tallyhour.timetracking.selectors import charge_type_get, charge_types_visible_to

router = Router(tags=["charge types"])


class ChargeTypeFilters(Schema):
    active: bool | None = Field(None, description="Filter on is_active.", examples=[True])


@router.get(
    "/charge-types",
    response={200: list[ChargeTypeOut], **error_responses(422)},
    summary="List charge types",
)
def list_charge_types(
    request: AuthedRequest, filters: Query[ChargeTypeFilters]
) -> QuerySet[ChargeType]:
    """Kinds of work and non-billable activities, with their billing defaults: rate,
    rounding and multipliers."""
    charge_types = charge_types_visible_to(request.auth)
    if filters.active is not None:
        charge_types = charge_types.filter(is_active=filters.active)
    return charge_types


@router.post(
    "/charge-types",
    response={201: ChargeTypeOut, **error_responses(403, 422)},
    summary="Create a charge type",
    openapi_extra=examples(
        body={
            "billable work": {
                "name": "Onsite support",
                "hourly_rate": "120.00",
                "rounding_increment_minutes": 15,
                "rounding_minimum_minutes": 60,
                "multiplier_out_of_hours": "1.5",
                "multiplier_weekend": "2",
            },
            "activity": {"name": "Training", "is_billable": False},
        }
    ),
)
def create_charge_type(
    request: AuthedRequest,
    payload: ChargeTypeIn,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """Admins only. A non-billable activity is a charge type with `is_billable` false. The
    name must be unique (ignoring case). Honours `Idempotency-Key`."""
    values = payload.model_dump()
    name = values.pop("name")
    return created(
        request,
        payload=payload,
        schema=ChargeTypeOut,
        create=lambda: charge_type_create(name=name, actor=request.auth, **values),
    )


@router.get(
    "/charge-types/{charge_type_id}",
    response={200: ChargeTypeOut, **error_responses(404)},
    summary="Get a charge type",
)
def get_charge_type(
    request: AuthedRequest, charge_type_id: ObjectId, response: HttpResponse
) -> ChargeType:
    """One charge type. Answers an `ETag` for changing it safely."""
    charge_type = charge_type_get(actor=request.auth, charge_type_id=charge_type_id)
    set_entity_tag(response, charge_type)
    return charge_type


@router.patch(
    "/charge-types/{charge_type_id}",
    response={200: ChargeTypeOut, **error_responses(403, 404, 412, 422)},
    summary="Change a charge type",
    openapi_extra=examples(
        body={
            "round to quarter hours": {
                "rounding_increment_minutes": 15,
                "rounding_mode": "up",
                "rounding_minimum_minutes": 30,
            },
            "evening work costs more": {"multiplier_out_of_hours": "1.5"},
            "retire": {"is_active": False},
        }
    ),
)
def update_charge_type(
    request: AuthedRequest,
    charge_type_id: ObjectId,
    payload: ChargeTypePatch,
    response: HttpResponse,
) -> ChargeType:
    """Admins only. Change only the fields sent; invoiced time keeps what it was billed at.
    Deactivate (`is_active` false) rather than delete: entries and rates keep pointing at it.
    Send the charge type's `ETag` in `If-Match` to refuse the change (412) if it changed
    meanwhile."""
    charge_type = charge_type_get(actor=request.auth, charge_type_id=charge_type_id)
    check_if_match(request, charge_type)
    with if_match_locked(request, lambda: lock_row(charge_type)):
        charge_type_update(
            charge_type=charge_type,
            actor=request.auth,
            changes=payload.model_dump(exclude_unset=True),
        )
    updated = charge_type_get(actor=request.auth, charge_type_id=charge_type_id)
    set_entity_tag(response, updated)
    return updated
