"""API: an agent's week, and submitting, approving, rejecting and recalling it."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema, Status

from tallyhour.api.auth import AuthedRequest
from tallyhour.api.lookups import visible_agent
from tallyhour.api.schemas import ObjectId, Page, Paging, Text, check_day, error_responses, paginate
from tallyhour.core import dates
from tallyhour.core.money import hours
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timesheets.selectors import (
    Day,
    Week,
    approval_queue,
    submission_entries,
    submission_get,
    submissions_visible_to,
    week_for,
)
from tallyhour.timesheets.services import (
    submission_approve,
    submission_recall,
    submission_reject,
    submission_submit,
)
from tallyhour.timetracking.api import TimeEntryOut, TimerOut
from tallyhour.timetracking.models import TimeEntry

router = Router(tags=["timesheets"])

WEEK_DESCRIPTION = "ISO week, e.g. 2026-W45 (Monday to Sunday in the agent's time zone)."


class SubmissionOut(Schema):
    id: int
    agent_id: int
    agent_name: str = Field(..., alias="agent.display_name")
    week: str
    week_start: dt.date
    state: SubmissionState
    submitted_at: dt.datetime
    comment: str = Field(..., description="The agent's note.")
    decided_by_id: int | None
    decided_at: dt.datetime | None
    reason: str = Field(..., description="The approver's reason on rejection.")
    total_hours: Decimal
    billable_hours: Decimal

    @staticmethod
    def resolve_week(submission: Submission) -> str:
        return dates.format_week(submission.week_start)

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


class DayOut(Schema):
    date: dt.date
    target_hours: Decimal = Field(..., description="From the agent's workday.")
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


class WeekTotalsOut(Schema):
    target_hours: Decimal
    logged_hours: Decimal
    billable_hours: Decimal
    non_billable_hours: Decimal
    gap_hours: Decimal


class WeekOut(Schema):
    agent_id: int
    week: str = Field(..., description=WEEK_DESCRIPTION)
    week_start: dt.date
    timezone: str
    state: str = Field(..., description="`open` until submitted, then the submission's state.")
    can_submit: bool
    submission: SubmissionOut | None = Field(..., description="The latest submission, if any.")
    running_timer: TimerOut | None
    days: list[DayOut]
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
    comment: Text = Field("", max_length=2_000, description="E.g. why there are gaps.")


class RejectIn(Schema):
    reason: Text = Field(..., max_length=2_000, description="Shown to the agent.")


class SubmissionFilters(Paging):
    state: SubmissionState | None = None
    agent_id: ObjectId | None = None
    awaiting_me: bool = Field(
        False, description="Only submissions waiting for the caller's decision, oldest first."
    )


def _monday(week: str) -> dt.date:
    return check_day(dates.parse_week(week), "week")


@router.get(
    "/timesheets/{agent_id}/{week}",
    response={200: WeekOut, **error_responses(404, 422)},
    summary="Get an agent's week",
)
def get_week(request: AuthedRequest, agent_id: ObjectId, week: str) -> Week:
    """The agent's week by local day: target, logged, billable and gap hours, every entry, the
    running timer and the submission state. Agents the caller may not see are 404."""
    monday = _monday(week)
    return week_for(visible_agent(request.auth, agent_id), monday)


@router.post(
    "/timesheets/{agent_id}/{week}/submit",
    response={201: SubmissionOut, **error_responses(403, 404, 409, 422)},
    summary="Submit a week for approval",
)
def submit_week(
    request: AuthedRequest, agent_id: ObjectId, week: str, payload: SubmitIn | None = None
) -> Status:
    """Send the week's draft and rejected entries for approval; they lock until decided.
    Only the agent (or an admin) submits; a running timer must be stopped first."""
    monday = _monday(week)
    submission = submission_submit(
        agent=visible_agent(request.auth, agent_id),
        week_start=monday,
        actor=request.auth,
        comment=payload.comment if payload else "",
    )
    return Status(201, submission)


@router.get(
    "/submissions",
    response={200: Page[SubmissionOut], **error_responses(422)},
    summary="List submissions",
)
def list_submissions(request: AuthedRequest, filters: Query[SubmissionFilters]) -> dict[str, Any]:
    """Submissions the caller may see, newest week first; or, with `awaiting_me=true`, the
    caller's approval queue."""
    if filters.awaiting_me:
        submissions = approval_queue(request.auth)
    else:
        submissions = submissions_visible_to(request.auth)
    if filters.state is not None:
        submissions = submissions.filter(state=filters.state)
    if filters.agent_id is not None:
        submissions = submissions.filter(agent_id=filters.agent_id)
    return paginate(submissions, filters)


@router.get(
    "/submissions/{submission_id}",
    response={200: SubmissionDetailOut, **error_responses(404)},
    summary="Get a submission",
)
def get_submission(request: AuthedRequest, submission_id: ObjectId) -> Submission:
    """One submission with its entries."""
    return submission_get(actor=request.auth, submission_id=submission_id)


@router.post(
    "/submissions/{submission_id}/approve",
    response={200: SubmissionOut, **error_responses(403, 404, 409)},
    summary="Approve a submission",
)
def approve_submission(request: AuthedRequest, submission_id: ObjectId) -> Submission:
    """Approve and lock the week's entries. Nobody approves their own time (403)."""
    submission = submission_get(actor=request.auth, submission_id=submission_id)
    return submission_approve(submission=submission, actor=request.auth)


@router.post(
    "/submissions/{submission_id}/reject",
    response={200: SubmissionOut, **error_responses(403, 404, 409, 422)},
    summary="Reject a submission",
)
def reject_submission(
    request: AuthedRequest, submission_id: ObjectId, payload: RejectIn
) -> Submission:
    """Return the week to the agent with a reason (required); its entries become editable."""
    submission = submission_get(actor=request.auth, submission_id=submission_id)
    return submission_reject(submission=submission, actor=request.auth, reason=payload.reason)


@router.post(
    "/submissions/{submission_id}/recall",
    response={200: SubmissionOut, **error_responses(403, 404, 409)},
    summary="Recall a submission",
)
def recall_submission(request: AuthedRequest, submission_id: ObjectId) -> Submission:
    """The agent takes back an undecided submission; its entries become drafts again."""
    submission = submission_get(actor=request.auth, submission_id=submission_id)
    return submission_recall(submission=submission, actor=request.auth)
