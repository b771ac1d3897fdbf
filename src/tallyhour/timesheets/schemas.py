"""API schemas for timesheets: weeks, days, submissions, the approval queue and history."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema

from tallyhour.core import dates
from tallyhour.core.apikit.schemas import ObjectId, Paging, Text
from tallyhour.core.models import AuditEntry
from tallyhour.core.money import hours
from tallyhour.timesheets.models import Submission, SubmissionKind, SubmissionState
from tallyhour.timesheets.queue import QueueItem
from tallyhour.timesheets.selectors import Day, GridRow, Week, submission_entries
from tallyhour.timetracking.models import TimeEntry
from tallyhour.timetracking.schemas import TimeEntryOut, TimerOut

WEEK_DESCRIPTION = "ISO week, e.g. 2026-W45 (Monday to Sunday in the agent's time zone)."


class SubmissionOut(Schema):
    id: int
    agent_id: int
    agent_name: str = Field(..., alias="agent.display_name")
    kind: SubmissionKind = Field(..., description="`week`, or `ticket` (per-ticket mode).")
    week: str | None
    week_start: dt.date | None
    through: dt.date | None = Field(
        ...,
        description="The last day of the week it covers: a week is submitted up to the day "
        "it is sent, and its later days join a follow-up submission.",
    )
    ticket_id: int | None
    state: SubmissionState
    submitted_at: dt.datetime
    comment: str = Field(..., description="The agent's note.")
    decided_by_id: int | None
    decided_at: dt.datetime | None
    reason: str = Field(..., description="The approver's reason on rejection.")
    total_hours: Decimal
    billable_hours: Decimal
    target_hours: Decimal = Field(..., description="The week's target when submitted.")
    gap_hours: Decimal = Field(..., description="Target not covered by logged time.")

    @staticmethod
    def resolve_week(submission: Submission) -> str | None:
        return dates.format_week(submission.week_start) if submission.week_start else None

    @staticmethod
    def resolve_target_hours(submission: Submission) -> Decimal:
        return hours(submission.target_seconds)

    @staticmethod
    def resolve_gap_hours(submission: Submission) -> Decimal:
        return hours(submission.gap_seconds)

    @staticmethod
    def resolve_total_hours(submission: Submission) -> Decimal:
        return hours(submission.total_seconds)

    @staticmethod
    def resolve_billable_hours(submission: Submission) -> Decimal:
        return hours(submission.billable_seconds)


class SubmissionDetailOut(SubmissionOut):
    entries: list[TimeEntryOut]

    @staticmethod
    def resolve_entries(submission: Submission) -> QuerySet[TimeEntry]:
        return submission_entries(submission)


class FlaggedEntryOut(TimeEntryOut):
    flags: list[str] = Field(
        ..., description="overlap, long, capped (forgotten timer), outside_hours."
    )

    @staticmethod
    def resolve_flags(entry: TimeEntry) -> list[str]:
        return getattr(entry, "queue_flags", [])


class QueueItemOut(Schema):
    submission: SubmissionOut
    flags: list[str] = Field(..., description="gap, overlap, long, capped, outside_hours.")
    entries: list[FlaggedEntryOut]

    @staticmethod
    def resolve_entries(item: QueueItem) -> list[TimeEntry]:
        for entry in item.entries:
            entry.queue_flags = item.flags_of(entry)  # type: ignore[attr-defined]
        return item.entries


class DayOut(Schema):
    date: dt.date
    target_hours: Decimal = Field(
        ..., description="The workday, less public holidays, closure days and leave."
    )
    absence: str = Field(..., description="Holiday, closure or leave lowering the target.")
    absence_kind: str = Field(..., description="`holiday`, `closure`, `leave` or empty.")
    logged_hours: Decimal
    billable_hours: Decimal
    gap_hours: Decimal = Field(..., description="Target not yet covered by logged time.")
    entries: list[TimeEntryOut]

    @staticmethod
    def resolve_target_hours(day: Day) -> Decimal:
        return hours(day.target_seconds)

    @staticmethod
    def resolve_logged_hours(day: Day) -> Decimal:
        return hours(day.logged_seconds)

    @staticmethod
    def resolve_billable_hours(day: Day) -> Decimal:
        return hours(day.billable_seconds)

    @staticmethod
    def resolve_gap_hours(day: Day) -> Decimal:
        return hours(day.gap_seconds)


class GridRowOut(Schema):
    key: str = Field(..., description="`t<ticket id>` or `a<charge type id>` for activities.")
    label: str
    detail: str
    is_ticket: bool
    hours: list[Decimal] = Field(..., description="Monday to Sunday.")
    total_hours: Decimal

    @staticmethod
    def resolve_hours(row: GridRow) -> list[Decimal]:
        return [hours(seconds) for seconds in row.cells]

    @staticmethod
    def resolve_total_hours(row: GridRow) -> Decimal:
        return hours(row.total_seconds)


class WeekTotalsOut(Schema):
    target_hours: Decimal
    logged_hours: Decimal
    billable_hours: Decimal
    non_billable_hours: Decimal
    gap_hours: Decimal = Field(
        ..., description="Target not covered by logged time, on the days up to today."
    )


class WeekOut(Schema):
    agent_id: int
    week: str = Field(..., description=WEEK_DESCRIPTION)
    week_start: dt.date
    timezone: str
    state: str = Field(..., description="`open` until submitted, then the submission's state.")
    can_submit: bool
    submit_through: dt.date | None = Field(
        ..., description="The last day a submission sent now would cover (today at the latest)."
    )
    submitted_through: dt.date | None = Field(
        ..., description="The last day a submitted or approved submission covers, if any."
    )
    submission: SubmissionOut | None = Field(..., description="The latest submission, if any.")
    submissions: list[SubmissionOut] = Field(
        ..., description="Every submission of the week, oldest first (early ones, follow-ups)."
    )
    running_timer: TimerOut | None
    days: list[DayOut]
    rows: list[GridRowOut] = Field(..., description="Ticket and activity rows by day.")
    totals: WeekTotalsOut

    @staticmethod
    def resolve_agent_id(week: Week) -> int:
        return week.agent.pk

    @staticmethod
    def resolve_week(week: Week) -> str:
        return week.label

    @staticmethod
    def resolve_week_start(week: Week) -> dt.date:
        return week.monday

    @staticmethod
    def resolve_state(week: Week) -> str:
        return week.submission.state if week.submission else "open"

    @staticmethod
    def resolve_totals(week: Week) -> dict[str, Decimal]:
        return {
            "target_hours": hours(week.target_seconds),
            "logged_hours": hours(week.logged_seconds),
            "billable_hours": hours(week.billable_seconds),
            "non_billable_hours": hours(week.non_billable_seconds),
            "gap_hours": hours(week.gap_seconds),
        }


class SubmitIn(Schema):
    comment: Text = Field(
        "", max_length=2_000, description="E.g. why there are gaps (stored with the gap)."
    )


class RejectEntriesIn(Schema):
    entry_ids: list[ObjectId] = Field(..., min_length=1, max_length=1_000)
    reason: Text = Field(..., max_length=2_000, description="Shown to the agent.")


class ReopenIn(Schema):
    reason: Text = Field(..., max_length=2_000)


class BulkApproveIn(Schema):
    submission_ids: list[ObjectId] = Field(..., min_length=1, max_length=500)


class WriteOffIn(Schema):
    billable_minutes: int = Field(..., ge=0, le=24 * 60, description="Time left to bill.")
    reason: Text = Field(..., max_length=2_000)


class CopyOut(Schema):
    created: list[TimeEntryOut]
    skipped: int = Field(..., description="Overlapping, or on a day with no target.")


class DayViewOut(Schema):
    agent_id: int
    timezone: str
    day: DayOut


class HistoryOut(Schema):
    id: int
    created_at: dt.datetime
    actor_id: int | None
    actor_name: str | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str

    @staticmethod
    def resolve_actor_name(row: AuditEntry) -> str | None:
        return row.actor.display_name if row.actor else None


class RejectIn(Schema):
    reason: Text = Field(..., max_length=2_000, description="Shown to the agent.")


class SubmissionFilters(Paging):
    state: SubmissionState | None = None
    agent_id: ObjectId | None = None
    awaiting_me: bool = Field(
        False, description="Only submissions waiting for the caller's decision, oldest first."
    )


ENTRY_EXAMPLE = {
    "id": 501,
    "agent_id": 7,
    "ticket_id": 1234,
    "charge_type_id": 2,
    "started_at": "2026-11-17T09:00:00Z",
    "ended_at": "2026-11-17T20:30:00Z",
    "worked_seconds": 41400,
    "billable_seconds": 41400,
    "hours": "11.50",
    "billable_hours": "11.50",
    "is_billable": True,
    "note": "",
    "source": "timer",
    "state": "submitted",
    "submission_id": 88,
    "invoice_line_id": None,
    "rejection_reason": "",
    "needs_review": False,
    "version": 2,
    "flags": ["long", "outside_hours"],
}
APPROVAL_EXAMPLE = {
    "submission": {
        "id": 88,
        "agent_id": 7,
        "agent_name": "Sam Patel",
        "kind": "week",
        "week": "2026-W47",
        "week_start": "2026-11-16",
        "ticket_id": None,
        "state": "submitted",
        "submitted_at": "2026-11-20T16:45:00Z",
        "comment": "",
        "decided_by_id": None,
        "decided_at": None,
        "reason": "",
        "total_hours": "34.50",
        "billable_hours": "28.00",
        "target_hours": "37.50",
        "gap_hours": "3.00",
    },
    "flags": ["gap", "long", "outside_hours"],
    "entries": [ENTRY_EXAMPLE],
}
