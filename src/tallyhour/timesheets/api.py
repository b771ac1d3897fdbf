"""API: an agent's week and day, submitting (weekly or per ticket), recalling, approving,
rejecting (whole or single entries), writing off, reopening, bulk approval and entry history.
The schemas live in `timesheets.schemas`."""

import datetime as dt
from typing import Any

from django.http import HttpResponse
from ninja import Field, Path, Query, Router, Schema

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.accounts.lookups import visible_agent
from tallyhour.core import dates
from tallyhour.core.apikit.concurrency import (
    check_if_match,
    if_match_locked,
    lock_row,
    set_entity_tag,
)
from tallyhour.core.apikit.created import created
from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.schemas import (
    ObjectId,
    Page,
    check_day,
    error_responses,
    paginate,
)
from tallyhour.core.errors import InvalidInput, NotFound
from tallyhour.core.idempotency import idempotency_header
from tallyhour.core.models import AuditEntry
from tallyhour.servicedesk.lookups import ticket_from
from tallyhour.servicedesk.models import Ticket
from tallyhour.timesheets.models import Submission
from tallyhour.timesheets.queue import approval_queue_items
from tallyhour.timesheets.schemas import (
    APPROVAL_EXAMPLE,
    WEEK_DESCRIPTION,
    BulkApproveIn,
    CopyOut,
    DayViewOut,
    HistoryOut,
    QueueItemOut,
    RejectEntriesIn,
    RejectIn,
    ReopenIn,
    SubmissionDetailOut,
    SubmissionFilters,
    SubmissionOut,
    SubmitIn,
    WeekOut,
    WriteOffIn,
)
from tallyhour.timesheets.selectors import (
    Week,
    approval_queue,
    submission_get,
    submissions_visible_to,
    time_entry_history,
    week_for,
)
from tallyhour.timesheets.services import (
    submission_approve,
    submission_recall,
    submission_reject,
    submission_reject_entries,
    submission_reopen,
    submission_submit,
    submission_submit_ticket,
    submissions_bulk_approve,
    time_entry_write_off,
    week_copy_previous_activities,
)
from tallyhour.timetracking.api import time_entry_lock
from tallyhour.timetracking.day_totals import day_total_set
from tallyhour.timetracking.lookups import charge_type_from
from tallyhour.timetracking.models import TimeEntry
from tallyhour.timetracking.schemas import TimeEntryOut
from tallyhour.timetracking.selectors import time_entry_get

router = Router(tags=["timesheets"])


def _week_path() -> Any:
    return Path(..., description=WEEK_DESCRIPTION, examples=["2026-W47"])


def _monday(week: str) -> dt.date:
    return check_day(dates.parse_week(week), "week")


@router.get(
    "/timesheets/{agent_id}/{week}",
    response={200: WeekOut, **error_responses(404, 422)},
    summary="Get an agent's week",
)
def get_week(request: AuthedRequest, agent_id: ObjectId, week: str = _week_path()) -> Week:
    """The agent's week by local day: target, logged, billable and gap hours, every entry, the
    running timer and the submission state. Agents the caller may not see are 404."""
    monday = _monday(week)
    return week_for(visible_agent(request.auth, agent_id), monday)


@router.post(
    "/timesheets/{agent_id}/{week}/submit",
    response={201: SubmissionOut, **error_responses(403, 404, 409, 422)},
    summary="Submit a week for approval",
    openapi_extra=examples(
        body={"plain": {}, "with a note": {"comment": "Friday off sick, leave booked."}}
    ),
)
def submit_week(
    request: AuthedRequest,
    agent_id: ObjectId,
    week: str = _week_path(),
    payload: SubmitIn | None = None,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """Send the week's draft and rejected entries for approval; they lock until decided.
    Only the agent (or an admin) submits; a running timer must be stopped first. Honours
    `Idempotency-Key`."""
    monday = _monday(week)
    agent = visible_agent(request.auth, agent_id)
    return created(
        request,
        payload=payload,
        schema=SubmissionOut,
        create=lambda: submission_submit(
            agent=agent,
            week_start=monday,
            actor=request.auth,
            comment=payload.comment if payload else "",
        ),
    )


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
def get_submission(
    request: AuthedRequest, submission_id: ObjectId, response: HttpResponse
) -> Submission:
    """One submission with its entries. Its `ETag` can be sent in `If-Match` when deciding,
    recalling or reopening it, to refuse the change (412) if it changed meanwhile."""
    submission = submission_get(actor=request.auth, submission_id=submission_id)
    set_entity_tag(response, submission)
    return submission


def _submission_to_change(request: AuthedRequest, submission_id: int) -> Submission:
    submission = submission_get(actor=request.auth, submission_id=submission_id)
    check_if_match(request, submission)
    return submission


def _tagged(request: AuthedRequest, response: HttpResponse, submission_id: int) -> Submission:
    # Tag what is stored, so the next read's tag matches.
    submission = submission_get(actor=request.auth, submission_id=submission_id)
    set_entity_tag(response, submission)
    return submission


@router.post(
    "/submissions/{submission_id}/approve",
    response={200: SubmissionOut, **error_responses(403, 404, 409, 412)},
    summary="Approve a submission",
)
def approve_submission(
    request: AuthedRequest, submission_id: ObjectId, response: HttpResponse
) -> Submission:
    """Approve and lock the week's entries. Nobody approves their own time (403). Checks
    `If-Match` against the submission's `ETag`."""
    submission = _submission_to_change(request, submission_id)
    with if_match_locked(request, lambda: lock_row(submission)):
        submission_approve(submission=submission, actor=request.auth)
    return _tagged(request, response, submission_id)


@router.post(
    "/submissions/{submission_id}/reject",
    response={200: SubmissionOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Reject a submission",
    openapi_extra=examples(
        body={"reason": {"reason": "Tuesday's 9 hours on #1234 look like a forgotten timer."}}
    ),
)
def reject_submission(
    request: AuthedRequest, submission_id: ObjectId, payload: RejectIn, response: HttpResponse
) -> Submission:
    """Return the week to the agent with a reason (required); its entries become editable.
    Checks `If-Match`."""
    submission = _submission_to_change(request, submission_id)
    with if_match_locked(request, lambda: lock_row(submission)):
        submission_reject(submission=submission, actor=request.auth, reason=payload.reason)
    return _tagged(request, response, submission_id)


@router.post(
    "/submissions/{submission_id}/recall",
    response={200: SubmissionOut, **error_responses(403, 404, 409, 412)},
    summary="Recall a submission",
)
def recall_submission(
    request: AuthedRequest, submission_id: ObjectId, response: HttpResponse
) -> Submission:
    """The agent takes back an undecided submission; its entries become drafts again.
    Checks `If-Match`."""
    submission = _submission_to_change(request, submission_id)
    with if_match_locked(request, lambda: lock_row(submission)):
        submission_recall(submission=submission, actor=request.auth)
    return _tagged(request, response, submission_id)


@router.get(
    "/timesheets/{agent_id}/days/{day}",
    response={200: DayViewOut, **error_responses(404, 422)},
    summary="Get an agent's day",
)
def get_day(request: AuthedRequest, agent_id: ObjectId, day: dt.date) -> dict[str, Any]:
    """One local day of the agent's week: target, absence, logged, gap and its entries."""
    check_day(day, "day")
    week = week_for(visible_agent(request.auth, agent_id), dates.week_start(day))
    return {
        "agent_id": agent_id,
        "timezone": week.timezone,
        "day": next(d for d in week.days if d.date == day),
    }


@router.post(
    "/timesheets/{agent_id}/{week}/copy-last-week",
    response={201: CopyOut, **error_responses(403, 404, 422)},
    summary="Copy last week's activities",
)
def copy_last_week(
    request: AuthedRequest,
    agent_id: ObjectId,
    week: str = _week_path(),
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """Repeat the previous week's non-ticket entries (meetings, admin…) at the same local
    times; overlapping ones and those on days off are skipped. Honours `Idempotency-Key`."""
    monday = _monday(week)
    agent = visible_agent(request.auth, agent_id)

    def copy() -> dict[str, Any]:
        made, skipped = week_copy_previous_activities(
            agent=agent, week_start=monday, actor=request.auth
        )
        return {"created": made, "skipped": skipped}

    return created(request, payload=None, schema=CopyOut, create=copy)


@router.post(
    "/timesheets/{agent_id}/tickets/{ticket_id}/submit",
    response={201: SubmissionOut, **error_responses(403, 404, 409, 422)},
    summary="Submit a ticket's time",
    openapi_extra=examples(body={"plain": {}, "with a note": {"comment": "Ticket closed."}}),
)
def submit_ticket(
    request: AuthedRequest,
    agent_id: ObjectId,
    ticket_id: ObjectId,
    payload: SubmitIn | None = None,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """Per-ticket mode: send the agent's open entries on one ticket for approval (409 in
    weekly mode, or when there is nothing to submit). Honours `Idempotency-Key`."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id} not found.")
    agent = visible_agent(request.auth, agent_id)
    return created(
        request,
        payload=payload,
        schema=SubmissionOut,
        create=lambda: submission_submit_ticket(
            ticket=ticket,
            agent=agent,
            actor=request.auth,
            comment=payload.comment if payload else "",
        ),
    )


@router.get(
    "/approvals",
    response={200: list[QueueItemOut], **error_responses()},
    summary="The approval queue with flags",
    openapi_extra=examples(response=[APPROVAL_EXAMPLE]),
)
def list_approvals(request: AuthedRequest) -> list[Any]:
    """Submissions waiting for the caller's decision, oldest first, each with its entries and
    flags (gaps, overlaps, very long entries, capped timers, time outside working hours)."""
    return list(approval_queue_items(request.auth))


@router.post(
    "/submissions/{submission_id}/reject-entries",
    response={200: SubmissionOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Return single entries",
    openapi_extra=examples(
        body={"two entries": {"entry_ids": [501, 502], "reason": "Wrong ticket; log to #1234."}}
    ),
)
def reject_entries(
    request: AuthedRequest,
    submission_id: ObjectId,
    payload: RejectEntriesIn,
    response: HttpResponse,
) -> Submission:
    """Return some entries to the agent with a reason; the rest wait for a decision.
    Returning every remaining entry rejects the submission. Checks `If-Match` against the
    submission's `ETag`."""
    submission = _submission_to_change(request, submission_id)
    entries = list(submission.entries.filter(pk__in=payload.entry_ids))
    if len(entries) != len(set(payload.entry_ids)):
        raise NotFound("Some of these entries are not in this submission.")
    with if_match_locked(request, lambda: lock_row(submission)):
        submission_reject_entries(
            submission=submission, entries=entries, actor=request.auth, reason=payload.reason
        )
    return _tagged(request, response, submission_id)


@router.post(
    "/submissions/{submission_id}/reopen",
    response={200: SubmissionOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Reopen an approved submission",
    openapi_extra=examples(
        body={"reason": {"reason": "Client disputes Wednesday's onsite visit; re-check."}}
    ),
)
def reopen_submission(
    request: AuthedRequest, submission_id: ObjectId, payload: ReopenIn, response: HttpResponse
) -> Submission:
    """Undo an approval with a reason while none of its time is invoiced: the submission
    waits for a new decision and its entries are submitted again. Checks `If-Match`."""
    submission = _submission_to_change(request, submission_id)
    with if_match_locked(request, lambda: lock_row(submission)):
        submission_reopen(submission=submission, actor=request.auth, reason=payload.reason)
    return _tagged(request, response, submission_id)


@router.post(
    "/approvals/bulk-approve",
    response={200: list[SubmissionOut], **error_responses(403, 404, 409, 422)},
    summary="Approve several submissions",
    openapi_extra=examples(body={"three weeks": {"submission_ids": [88, 91, 94]}}),
)
def bulk_approve(request: AuthedRequest, payload: BulkApproveIn) -> list[Submission]:
    """Approve all the given submissions, or none of them if any one is refused."""
    found = list(submissions_visible_to(request.auth).filter(pk__in=payload.submission_ids))
    if len(found) != len(set(payload.submission_ids)):
        raise NotFound("Some of these submissions were not found.")
    return submissions_bulk_approve(submissions=found, actor=request.auth)


@router.post(
    "/time-entries/{entry_id}/write-off",
    response={200: TimeEntryOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Write off billable time",
    openapi_extra=examples(
        body={"bill half": {"billable_minutes": 30, "reason": "Learning curve on new firewall."}}
    ),
)
def write_off(
    request: AuthedRequest, entry_id: ObjectId, payload: WriteOffIn, response: HttpResponse
) -> TimeEntry:
    """Bill less of a submitted entry than was worked, with a reason; worked time is kept.
    Checks `If-Match` against the entry's `ETag`."""
    entry = time_entry_get(actor=request.auth, entry_id=entry_id)
    check_if_match(request, entry)
    with if_match_locked(request, lambda: time_entry_lock(entry)):
        written_off = time_entry_write_off(
            entry=entry,
            actor=request.auth,
            billable_seconds=payload.billable_minutes * 60,
            reason=payload.reason,
        )
    set_entity_tag(response, written_off)
    return written_off


@router.get(
    "/time-entries/{entry_id}/history",
    response={200: list[HistoryOut], **error_responses(404)},
    summary="An entry's history",
)
def entry_history(request: AuthedRequest, entry_id: ObjectId) -> list[AuditEntry]:
    """Every recorded change to the entry, oldest first: who, when, before, after and why."""
    _, history = time_entry_history(actor=request.auth, entry_id=entry_id)
    return history


class DayTotalIn(Schema):
    ticket_id: int | None = Field(None, description="The row's ticket; or give charge_type_id.")
    charge_type_id: int | None = Field(
        None, description="The row's activity (a charge type, no ticket) when there is no ticket."
    )
    total_minutes: int = Field(..., ge=0, le=24 * 60, description="The day's new total.")


class DayTotalOut(Schema):
    before_minutes: int
    after_minutes: int
    created_ids: list[int]
    shortened_ids: list[int]
    deleted: int


@router.post(
    "/timesheets/{agent_id}/days/{day}/total",
    response={200: DayTotalOut, **error_responses(403, 404, 409, 422)},
    summary="Set a day's total for a ticket or activity (the week grid's cell)",
    openapi_extra=examples(body={"1:30 on a ticket": {"ticket_id": 1234, "total_minutes": 90}}),
)
def set_day_total(
    request: AuthedRequest, agent_id: ObjectId, day: dt.date, payload: DayTotalIn
) -> dict[str, Any]:
    """What typing into a cell of My week's grid does: a higher total adds one manual entry
    for the difference in a free slot of the day; a lower one shortens or removes that row's
    draft or rejected entries, newest first. Submitted, approved and invoiced time is never
    changed (409 when the total would go below it)."""
    check_day(day, "day")
    agent = visible_agent(request.auth, agent_id)
    ticket = ticket_from(payload.ticket_id)
    charge_type = charge_type_from(payload.charge_type_id)
    if ticket is None and charge_type is None:
        raise InvalidInput("Give ticket_id or charge_type_id.", fields={"ticket_id": "required"})
    change = day_total_set(
        agent=agent,
        actor=request.auth,
        day=day,
        ticket=ticket,
        charge_type=charge_type,
        total_seconds=payload.total_minutes * 60,
    )
    return {
        "before_minutes": (change.before_seconds + 30) // 60,
        "after_minutes": (change.after_seconds + 30) // 60,
        "created_ids": [e.pk for e in change.created],
        "shortened_ids": [e.pk for e in change.shortened],
        "deleted": change.deleted,
    }
