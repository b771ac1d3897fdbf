"""API: time entries and timers (charge types are in `charge_type_api`). The schemas live in
`timetracking.schemas`."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Query, Router, Status

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.accounts.lookups import agent_from, zone_name_of
from tallyhour.core import dates
from tallyhour.core.apikit.concurrency import (
    check_if_match,
    if_match_locked,
    set_entity_tag,
    state_digest,
    tag_rule,
)
from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.schemas import ObjectId, Page, error_responses, paginate
from tallyhour.core.errors import InvalidInput
from tallyhour.core.idempotency import idempotency_header, idempotent
from tallyhour.servicedesk.lookups import ticket_from
from tallyhour.timetracking.lookups import charge_type_from
from tallyhour.timetracking.models import TimeEntry, Timer, TimerState
from tallyhour.timetracking.schemas import (
    ConfirmIn,
    DeleteParams,
    TimeEntryFilters,
    TimeEntryIn,
    TimeEntryOut,
    TimeEntryPatch,
    TimerOut,
    TimerStartIn,
    TimerStopIn,
    TimerStopOut,
)
from tallyhour.timetracking.selectors import (
    time_entries_visible_to,
    time_entry_get,
    timer_get,
    timers_for,
)
from tallyhour.timetracking.services import (
    lock_agent,
    time_entry_confirm,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
)
from tallyhour.timetracking.timers import timer_pause, timer_resume, timer_start, timer_stop

router = Router()


@tag_rule(TimeEntry)
def _entry_tag(entry: TimeEntry) -> str:
    # The version names the change for people; the digest also catches bulk updates.
    return f"time-entry-{entry.pk}-v{entry.version}-{state_digest(entry)[:12]}"


def time_entry_lock(entry: TimeEntry) -> TimeEntry | None:
    """The entry read again under its row lock, taken after the agent's as every time
    writer does (for comparing `If-Match` in the write's transaction)."""
    lock_agent(entry.agent)
    return TimeEntry.objects.select_for_update(of=("self",)).filter(pk=entry.pk).first()


def timer_lock(timer: Timer) -> Timer | None:
    """The timer read again under its row lock, after the agent's (see time_entry_lock)."""
    lock_agent(timer.agent)
    return Timer.objects.select_for_update(of=("self",)).filter(pk=timer.pk).first()


# --- time entries -------------------------------------------------------------------------------


@router.get(
    "/time-entries",
    response={200: Page[TimeEntryOut], **error_responses(422)},
    summary="List time entries",
    tags=["time entries"],
)
def list_time_entries(request: AuthedRequest, filters: Query[TimeEntryFilters]) -> dict[str, Any]:
    """Entries the caller may see, newest first: engineers their own, approvers also their
    agents', billing and admin users all. `start`/`end` are local days in the caller's zone."""
    if filters.start and filters.end and filters.end < filters.start:
        raise InvalidInput("end must not be before start.", fields={"end": "before start"})
    entries = time_entries_visible_to(request.auth).order_by("-started_at", "-id")
    if filters.agent_id is not None:
        entries = entries.filter(agent_id=filters.agent_id)
    if filters.state is not None:
        entries = entries.filter(state=filters.state)
    if filters.start is not None or filters.end is not None:
        zone = dates.zone(zone_name_of(request.auth))
        if filters.start is not None:
            entries = entries.filter(started_at__gte=dates.local_midnight(filters.start, zone))
        if filters.end is not None:
            day_after = filters.end + dt.timedelta(days=1)
            entries = entries.filter(started_at__lt=dates.local_midnight(day_after, zone))
    return paginate(entries, filters)


@router.post(
    "/time-entries",
    response={201: TimeEntryOut, **error_responses(403, 409, 422)},
    summary="Log time",
    tags=["time entries"],
    openapi_extra=examples(
        body={
            "ticket work": {
                "started_at": "2026-11-16T09:00:00Z",
                "duration_minutes": 45,
                "ticket_id": 1234,
                "note": "Replaced the toner, test page OK",
            },
            "activity": {
                "started_at": "2026-11-16T14:00:00+00:00",
                "ended_at": "2026-11-16T15:00:00+00:00",
                "charge_type_id": 5,
                "note": "Team meeting",
            },
        }
    ),
)
def create_time_entry(
    request: AuthedRequest,
    payload: TimeEntryIn,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """Log a span of work: `started_at` plus `ended_at` or `duration_minutes`, against a ticket
    and/or a charge type. Overlaps are refused (409 naming the overlapping entry) unless the
    agent allows overlaps, as are locked weeks and periods. Honours `Idempotency-Key`."""
    return idempotent(
        request,
        user=request.auth,
        payload=payload,
        schema=TimeEntryOut,
        status=201,
        create=lambda: time_entry_create(
            agent=agent_from(request.auth, payload.agent_id) or request.auth,
            actor=request.auth,
            started_at=payload.started_at,
            ended_at=payload.ended_at,
            duration_minutes=payload.duration_minutes,
            ticket=ticket_from(payload.ticket_id),
            charge_type=charge_type_from(payload.charge_type_id),
            is_billable=payload.is_billable,
            note=payload.note,
        ),
    )


@router.get(
    "/time-entries/{entry_id}",
    response={200: TimeEntryOut, **error_responses(404)},
    summary="Get a time entry",
    tags=["time entries"],
)
def get_time_entry(request: AuthedRequest, entry_id: ObjectId, response: HttpResponse) -> TimeEntry:
    """One entry the caller may see (404 otherwise). The `ETag` header can be sent back in
    `If-Match` on a change or delete to refuse it (412) if the entry changed meanwhile."""
    entry = time_entry_get(actor=request.auth, entry_id=entry_id)
    set_entity_tag(response, entry)
    return entry


@router.patch(
    "/time-entries/{entry_id}",
    response={200: TimeEntryOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Change a time entry",
    tags=["time entries"],
    openapi_extra=examples(
        body={
            "longer": {"duration_minutes": 60},
            "move to a ticket": {"ticket_id": 1234, "note": "Printer driver update"},
            "in a locked period": {"is_billable": False, "reason": "Goodwill, agreed with client"},
        }
    ),
)
def update_time_entry(
    request: AuthedRequest, entry_id: ObjectId, payload: TimeEntryPatch, response: HttpResponse
) -> TimeEntry:
    """Change only the fields sent. Draft and rejected entries are editable; submitted,
    approved and invoiced ones are locked (409 naming why)."""
    sent = payload.model_dump(exclude_unset=True)
    not_model_fields = {"ticket_id", "charge_type_id", "reason"}
    changes: dict[str, Any] = {
        key: value for key, value in sent.items() if key not in not_model_fields
    }
    if "ticket_id" in sent:
        changes["ticket"] = ticket_from(sent["ticket_id"])
    if "charge_type_id" in sent:
        changes["charge_type"] = charge_type_from(sent["charge_type_id"])
    entry = time_entry_get(actor=request.auth, entry_id=entry_id)
    check_if_match(request, entry)
    with if_match_locked(request, lambda: time_entry_lock(entry)):
        updated = time_entry_update(
            entry=entry, actor=request.auth, changes=changes, reason=payload.reason
        )
    set_entity_tag(response, updated)
    return updated


@router.delete(
    "/time-entries/{entry_id}",
    response={204: None, **error_responses(403, 404, 409, 412, 422)},
    summary="Delete a time entry",
    tags=["time entries"],
)
def delete_time_entry(
    request: AuthedRequest,
    entry_id: ObjectId,
    params: Query[DeleteParams],
) -> Status:
    """Delete an editable (draft or rejected) entry of your own."""
    entry = time_entry_get(actor=request.auth, entry_id=entry_id)
    check_if_match(request, entry)
    with if_match_locked(request, lambda: time_entry_lock(entry)):
        time_entry_delete(entry=entry, actor=request.auth, reason=params.reason)
    return Status(204, None)


@router.post(
    "/time-entries/{entry_id}/confirm",
    response={200: TimeEntryOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Confirm a capped entry",
    tags=["time entries"],
    openapi_extra=examples(body={"as capped": {}, "really worked": {"worked_minutes": 90}}),
)
def confirm_time_entry(
    request: AuthedRequest,
    entry_id: ObjectId,
    response: HttpResponse,
    payload: ConfirmIn | None = None,
) -> TimeEntry:
    """A forgotten timer's capped entry is flagged `needs_review` and never billed until the
    agent or their approver confirms it here, optionally giving the time really worked.
    Checks `If-Match` against the entry's `ETag` (412 when stale)."""
    entry = time_entry_get(actor=request.auth, entry_id=entry_id)
    check_if_match(request, entry)
    minutes = payload.worked_minutes if payload else None
    with if_match_locked(request, lambda: time_entry_lock(entry)):
        confirmed = time_entry_confirm(
            entry=entry,
            actor=request.auth,
            worked_seconds=None if minutes is None else minutes * 60,
        )
    set_entity_tag(response, confirmed)
    return confirmed


# --- timers -------------------------------------------------------------------------------------


@router.get(
    "/timers",
    response={200: list[TimerOut], **error_responses()},
    summary="List my timers",
    tags=["timers"],
)
def list_timers(
    request: AuthedRequest,
    running: bool | None = Query(
        None, description="true: only the running timer.", examples=[True]
    ),
) -> QuerySet[Timer]:
    """The caller's timers: at most one running, any number paused."""
    timers = timers_for(request.auth)
    if running is not None:
        state = TimerState.RUNNING if running else TimerState.PAUSED
        timers = timers.filter(state=state)
    return timers


@router.post(
    "/timers",
    response={201: TimerOut, **error_responses(403, 409, 422)},
    summary="Start a timer",
    tags=["timers"],
    openapi_extra=examples(
        body={
            "on a ticket": {"ticket_id": 1234},
            "activity": {"charge_type_id": 5, "note": "Travel to client site"},
        }
    ),
)
def start_timer(
    request: AuthedRequest,
    payload: TimerStartIn,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """Start timing work now, on a ticket or a non-ticket activity (a charge type such as
    meeting, travel or training); a timer already running is paused first. Honours
    `Idempotency-Key`: a retry never starts a second timer."""
    return idempotent(
        request,
        user=request.auth,
        payload=payload,
        schema=TimerOut,
        status=201,
        create=lambda: timer_start(
            agent=request.auth,
            actor=request.auth,
            ticket=ticket_from(payload.ticket_id),
            charge_type=charge_type_from(payload.charge_type_id),
            note=payload.note,
        ),
    )


@router.get(
    "/timers/{timer_id}",
    response={200: TimerOut, **error_responses(404)},
    summary="Get a timer",
    tags=["timers"],
)
def get_timer(request: AuthedRequest, timer_id: ObjectId, response: HttpResponse) -> Timer:
    """One of the caller's timers. Its `ETag` can be sent in `If-Match` when pausing,
    resuming or stopping it, to refuse the change (412) if another device changed it."""
    timer = timer_get(actor=request.auth, timer_id=timer_id)
    set_entity_tag(response, timer)
    return timer


def _changed_timer(request: AuthedRequest, timer_id: ObjectId) -> Timer:
    # The bare row: If-Match is compared under the lock (if_match_locked), and the service
    # reads the ticket and charge type again there.
    return timer_get(actor=request.auth, timer_id=timer_id, related=False)


def _tagged(request: AuthedRequest, response: HttpResponse, timer_id: int) -> Timer:
    # Tag what is stored, not the object in memory, so the next read matches.
    timer = timer_get(actor=request.auth, timer_id=timer_id)
    set_entity_tag(response, timer)
    return timer


@router.post(
    "/timers/{timer_id}/pause",
    response={200: TimerOut, **error_responses(404, 409, 412)},
    summary="Pause a timer",
    tags=["timers"],
)
def pause_timer(request: AuthedRequest, timer_id: ObjectId, response: HttpResponse) -> Timer:
    """Bank the running time; pausing a paused timer changes nothing. Checks `If-Match`."""
    timer = _changed_timer(request, timer_id)
    with if_match_locked(request, lambda: timer_lock(timer)):
        timer_pause(timer=timer, actor=request.auth)
    return _tagged(request, response, timer_id)


@router.post(
    "/timers/{timer_id}/resume",
    response={200: TimerOut, **error_responses(404, 409, 412)},
    summary="Resume a timer",
    tags=["timers"],
)
def resume_timer(request: AuthedRequest, timer_id: ObjectId, response: HttpResponse) -> Timer:
    """Run a paused timer again; whichever timer was running is paused. Checks `If-Match`."""
    timer = _changed_timer(request, timer_id)
    with if_match_locked(request, lambda: timer_lock(timer)):
        timer_resume(timer=timer, actor=request.auth)
    return _tagged(request, response, timer_id)


@router.post(
    "/timers/{timer_id}/stop",
    response={200: TimerStopOut, **error_responses(404, 409, 412, 422)},
    summary="Stop a timer and log its time",
    tags=["timers"],
    openapi_extra=examples(
        body={
            "as it is": {},
            "log to a ticket": {"ticket_id": 1234, "note": "Phone call about the VPN"},
        }
    ),
)
def stop_timer(
    request: AuthedRequest,
    timer_id: ObjectId,
    payload: TimerStopIn | None = None,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """Stop the timer and log its time as a draft entry ending now, answered as
    `{"entry": {...}}`; `{"entry": null}` when nothing was logged: a timer that counted less
    than the organisation's `timer_discard_seconds` (default 60) with no note is discarded.
    An entry it would overlap is named in a 409 (the timer keeps running). Time that fell on
    a closed day (lock date, submitted week) is split off there, flagged for review.
    The body is optional; `ticket_id` logs the time to that ticket (for a timer started
    without one). Honours `Idempotency-Key`: a retry never logs a second entry. Checks
    `If-Match` against the timer's `ETag` (412 when stale)."""

    def stop() -> dict[str, Any]:
        timer = _changed_timer(request, timer_id)
        ticket = ticket_from(payload.ticket_id if payload else None)
        with if_match_locked(request, lambda: timer_lock(timer)):
            entry = timer_stop(
                timer=timer,
                actor=request.auth,
                ticket=ticket,
                note=payload.note if payload else None,
            )
        return {"entry": entry}

    return idempotent(
        request,
        user=request.auth,
        payload=payload.model_dump(mode="json") if payload else None,
        schema=TimerStopOut,
        status=200,
        create=stop,
    )
