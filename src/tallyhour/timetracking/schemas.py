"""API schemas for timetracking: charge types, time entries and timers."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import ValidationInfo, field_validator

from tallyhour.core import dates
from tallyhour.core.apikit.schemas import Day, Instant, ObjectId, Paging, Text
from tallyhour.core.money import hours
from tallyhour.timetracking.models import (
    EntrySource,
    EntryState,
    RoundingMode,
    RoundingScope,
    TimeEntry,
    Timer,
    TimerState,
)

MAX_MINUTES = 24 * 60  # the longest entry the services accept
CLEARABLE = frozenset({"business_hours_start", "business_hours_end"})


class ChargeTypeOut(Schema):
    id: int
    name: str
    is_billable: bool = Field(..., description="Whether time of this type is billable by default.")
    hourly_rate: Decimal = Field(..., description="Default sell rate per hour.")
    is_active: bool = Field(
        ..., description="Inactive ones keep their history; new time can't use them."
    )
    rounding_increment_minutes: int = Field(
        ..., description="Billed in blocks of this many minutes (0: exact)."
    )
    rounding_minimum_minutes: int = Field(..., description="Billed at least this many minutes.")
    rounding_mode: RoundingMode
    rounding_scope: RoundingScope = Field(
        ..., description="Rounded per entry, or per ticket per day."
    )
    multiplier_out_of_hours: Decimal = Field(
        ...,
        description="Applied out of hours: outside business_hours_start–business_hours_end, "
        "Monday to Friday, when they are set; else outside the agent's own workday.",
    )
    multiplier_weekend: Decimal
    multiplier_holiday: Decimal = Field(..., description="Applied on public holidays.")
    business_hours_start: dt.time | None = Field(
        ..., description="Business hours for this charge type, in the organisation's zone."
    )
    business_hours_end: dt.time | None


def _multiplier(default: Decimal | None) -> Any:
    return Field(default, gt=0, le=10, max_digits=4, decimal_places=2)


class ChargeTypeIn(Schema):
    name: Text = Field(..., min_length=1, max_length=100)
    is_billable: bool = True
    hourly_rate: Decimal = Field(Decimal("0"), ge=0, max_digits=10, decimal_places=2)
    is_active: bool = True
    rounding_increment_minutes: int = Field(0, ge=0, le=MAX_MINUTES)
    rounding_minimum_minutes: int = Field(0, ge=0, le=MAX_MINUTES)
    rounding_mode: RoundingMode = RoundingMode.UP
    rounding_scope: RoundingScope = RoundingScope.ENTRY
    multiplier_out_of_hours: Decimal = _multiplier(Decimal("1.00"))
    multiplier_weekend: Decimal = _multiplier(Decimal("1.00"))
    multiplier_holiday: Decimal = _multiplier(Decimal("1.00"))
    business_hours_start: dt.time | None = None
    business_hours_end: dt.time | None = None


class ChargeTypePatch(Schema):
    """Only the fields sent change; null is refused."""

    name: Text | None = Field(None, min_length=1, max_length=100)
    is_billable: bool | None = None
    hourly_rate: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    is_active: bool | None = None
    rounding_increment_minutes: int | None = Field(None, ge=0, le=MAX_MINUTES)
    rounding_minimum_minutes: int | None = Field(None, ge=0, le=MAX_MINUTES)
    rounding_mode: RoundingMode | None = None
    rounding_scope: RoundingScope | None = None
    multiplier_out_of_hours: Decimal | None = _multiplier(None)
    multiplier_weekend: Decimal | None = _multiplier(None)
    multiplier_holiday: Decimal | None = _multiplier(None)
    # null clears the window (back to each agent's workday).
    business_hours_start: dt.time | None = None
    business_hours_end: dt.time | None = None

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        # Validators only run on values sent, so this refuses an explicit null.
        if value is None and info.field_name not in CLEARABLE:
            raise ValueError("may not be null")
        return value


class TimeEntryOut(Schema):
    id: int
    agent_id: int
    ticket_id: int | None
    charge_type_id: int
    started_at: dt.datetime
    ended_at: dt.datetime
    worked_seconds: int = Field(..., description="Raw worked time; never changed by billing.")
    billable_seconds: int = Field(..., description="Worked time that may be billed.")
    hours: Decimal = Field(..., description="Worked time in hours, 2 places (display only).")
    billable_hours: Decimal
    is_billable: bool
    note: str
    source: EntrySource
    state: EntryState
    submission_id: int | None
    invoice_line_id: int | None = Field(..., description="Set once the entry is invoiced.")
    rejection_reason: str
    needs_review: bool
    version: int

    @staticmethod
    def resolve_hours(entry: TimeEntry) -> Decimal:
        return hours(entry.worked_seconds)

    @staticmethod
    def resolve_billable_hours(entry: TimeEntry) -> Decimal:
        return hours(entry.billable_seconds)


class TimeEntryIn(Schema):
    started_at: Instant = Field(..., description="ISO 8601 with a zone offset.")
    ended_at: Instant | None = Field(None, description="Give this or duration_minutes.")
    duration_minutes: int | None = Field(None, gt=0, le=MAX_MINUTES)
    ticket_id: ObjectId | None = None
    charge_type_id: ObjectId | None = Field(
        None, description="Defaults to the ticket's, else the agent's default charge type."
    )
    note: Text = Field("", max_length=10_000)
    is_billable: bool | None = Field(None, description="Defaults to the charge type's setting.")
    agent_id: ObjectId | None = Field(None, description="Defaults to the caller; admins only.")


class TimeEntryPatch(Schema):
    started_at: Instant | None = None
    ended_at: Instant | None = None
    duration_minutes: int | None = Field(None, gt=0, le=MAX_MINUTES)
    ticket_id: ObjectId | None = Field(None, description="null detaches the ticket.")
    charge_type_id: ObjectId | None = None
    note: Text | None = Field(None, max_length=10_000)
    is_billable: bool | None = Field(None, description="null: back to the charge type's default.")
    reason: Text = Field("", max_length=2_000, description="Why; needed in a locked period.")

    @field_validator("started_at", "ended_at", "duration_minutes", "charge_type_id", "note")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Validators only run on values the caller sent, so this refuses an explicit null.
        if value is None:
            raise ValueError("may not be null")
        return value


class DeleteParams(Schema):
    reason: Text = Field("", max_length=2_000, description="Why; needed in a locked period.")


class TimeEntryFilters(Paging):
    agent_id: ObjectId | None = None
    start: Day | None = Field(None, description="First local day (the caller's time zone).")
    end: Day | None = Field(None, description="Last local day, inclusive.")
    state: EntryState | None = None


class ConfirmIn(Schema):
    worked_minutes: int | None = Field(
        None, gt=0, le=MAX_MINUTES, description="The time really worked; omit to keep it."
    )


class TimerOut(Schema):
    id: int
    agent_id: int
    state: TimerState
    ticket_id: int | None
    charge_type_id: int | None
    note: str
    accumulated_seconds: int = Field(..., description="Time banked before the current run.")
    running_since: dt.datetime | None
    elapsed_seconds: int = Field(..., description="Total so far, including the current run.")
    first_started_at: dt.datetime

    @staticmethod
    def resolve_elapsed_seconds(timer: Timer) -> int:
        return timer.elapsed_seconds(dates.now())


class TimerStartIn(Schema):
    ticket_id: ObjectId | None = None
    charge_type_id: ObjectId | None = Field(
        None, description="Defaults to the ticket's, else the agent's default charge type."
    )
    note: Text = Field("", max_length=10_000)


class TimerStopIn(Schema):
    ticket_id: ObjectId | None = Field(None, description="Log the time on this ticket instead.")
    note: Text | None = Field(None, max_length=10_000, description="Replaces the timer's note.")


class TimerStopOut(Schema):
    entry: TimeEntryOut | None = Field(
        ..., description="The logged entry; null when the timer ran for under a second."
    )
