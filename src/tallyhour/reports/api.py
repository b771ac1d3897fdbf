"""API: utilisation per agent for any period, running timers included."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema

from tallyhour.api.auth import AuthedRequest
from tallyhour.api.schemas import Day, ObjectId, error_responses
from tallyhour.core.money import hours
from tallyhour.reports.selectors import UtilisationRow, utilisation_for

router = Router(tags=["reports"])


class UtilisationRowOut(Schema):
    agent_id: int
    name: str
    available_hours: Decimal = Field(..., description="Workday targets over the period.")
    logged_hours: Decimal
    billable_hours: Decimal = Field(..., description="Worked time of billable entries.")
    non_billable_hours: Decimal
    utilisation: float | None = Field(
        ..., description="billable / available as a fraction; null with no available hours."
    )
    logged_ratio: float | None = Field(..., description="logged / available as a fraction.")
    target_utilisation: float = Field(..., description="The agent's target fraction.")
    headroom_hours: Decimal = Field(..., description="available − logged (negative when over).")
    over_capacity: bool
    band: str = Field(..., description="under, on or over target; none without availability.")

    @staticmethod
    def resolve_available_hours(row: UtilisationRow) -> Decimal:
        return hours(row.available_seconds)

    @staticmethod
    def resolve_logged_hours(row: UtilisationRow) -> Decimal:
        return hours(row.logged_seconds)

    @staticmethod
    def resolve_billable_hours(row: UtilisationRow) -> Decimal:
        return hours(row.billable_seconds)

    @staticmethod
    def resolve_non_billable_hours(row: UtilisationRow) -> Decimal:
        return hours(row.non_billable_seconds)

    @staticmethod
    def resolve_headroom_hours(row: UtilisationRow) -> Decimal:
        return hours(row.headroom_seconds)


class UtilisationOut(Schema):
    start: dt.date
    end: dt.date
    rows: list[UtilisationRowOut]


class UtilisationParams(Schema):
    start: Day = Field(..., description="First local day of the period.")
    end: Day = Field(..., description="Last local day, inclusive (at most 366 days).")
    agent_id: list[ObjectId] = Field(
        default_factory=list,
        max_length=1_000,
        description="Repeat to choose agents; empty means every agent the caller may see.",
    )


@router.get(
    "/reports/utilisation",
    response={200: UtilisationOut, **error_responses(422)},
    summary="Utilisation per agent",
)
def utilisation(request: AuthedRequest, params: Query[UtilisationParams]) -> dict[str, Any]:
    """Available, logged, billable and non-billable hours and utilisation for each visible
    agent over local days `start`..`end`; running timers count up to now."""
    rows = utilisation_for(
        actor=request.auth, start=params.start, end=params.end, agent_ids=params.agent_id or None
    )
    return {"start": params.start, "end": params.end, "rows": rows}
