"""Reminders: agents whose past week is unsubmitted after the deadline, and approvers with
submissions waiting too long. Run daily by the worker, or by `tallyhour remind`."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.urls import reverse

from tallyhour.accounts.calendars import calendars_by_agent
from tallyhour.accounts.models import Agent, Organisation, User
from tallyhour.accounts.permissions import approvers_of
from tallyhour.core import dates
from tallyhour.core.notices import notice_send
from tallyhour.core.tasks import register_periodic
from tallyhour.timesheets.models import Submission, SubmissionKind, SubmissionState
from tallyhour.timetracking.models import EDITABLE_STATES, TimeEntry

REMIND_EVERY = dt.timedelta(days=1)


@dataclass
class Reminders:
    agents: list[tuple[User, dt.date]] = field(default_factory=list)
    approvers: list[tuple[User, int]] = field(default_factory=list)


def overdue_week(today: dt.date, deadline_days: int) -> dt.date:
    """Monday of the latest week whose deadline (Sunday + deadline_days) is already past."""
    last_possible_sunday = today - dt.timedelta(days=deadline_days + 1)
    monday = dates.week_start(last_possible_sunday)
    if last_possible_sunday.weekday() != 6:
        monday -= dt.timedelta(days=7)
    return monday


def _week_unsubmitted(agent: Agent, monday: dt.date, weekly: bool) -> bool:
    tz = dates.zone(agent.timezone)
    start, end = dates.day_range(monday, monday + dt.timedelta(days=6), tz)
    open_time = TimeEntry.objects.filter(
        agent_id=agent.user_id, started_at__gte=start, started_at__lt=end, state__in=EDITABLE_STATES
    ).exists()
    if open_time or not weekly:
        return open_time
    sent = Submission.objects.filter(
        agent_id=agent.user_id,
        kind=SubmissionKind.WEEK,
        week_start=monday,
        state__in=[SubmissionState.SUBMITTED, SubmissionState.APPROVED],
    ).exists()
    if sent:
        return False
    # A week with nothing to log (all leave or holidays) needs no timesheet.
    sunday = monday + dt.timedelta(days=6)
    return any(
        day.target_seconds for day in calendars_by_agent([agent], monday, sunday)[agent.user_id]
    )


def remind(now: dt.datetime | None = None, *, send: bool = True) -> Reminders:
    """Find (and, with `send`, notify) the agents and approvers who need a nudge."""
    now = now or dates.now()
    org = Organisation.current()
    weekly = org.submission_mode == "weekly"
    found = Reminders()
    for agent in Agent.objects.select_related("user").filter(user__is_active=True):
        today = dates.local_date(now, dates.zone(agent.timezone))
        monday = overdue_week(today, org.submission_deadline_days)
        if _week_unsubmitted(agent, monday, weekly):
            found.agents.append((agent.user, monday))
            if send:
                notice_send(
                    user=agent.user,
                    text=f"Your timesheet for week {dates.format_week(monday)} is not submitted "
                    "yet; please submit it.",
                    url=reverse("timesheets:week", args=[dates.format_week(monday)]),
                    subject="timesheet overdue",
                    now=now,
                )
    waiting = Submission.objects.select_related("agent").filter(
        state=SubmissionState.SUBMITTED,
        submitted_at__lt=now - dt.timedelta(days=org.approval_reminder_days),
    )
    per_approver: dict[int, tuple[User, int]] = {}
    counts: dict[int, int] = defaultdict(int)
    for submission in waiting:
        for approver in approvers_of(submission.agent):
            if approver.pk != submission.agent_id and approver.is_active:
                counts[approver.pk] += 1
                per_approver[approver.pk] = (approver, counts[approver.pk])
    for approver, count in per_approver.values():
        found.approvers.append((approver, count))
        if send:
            notice_send(
                user=approver,
                text=f"{count} timesheet submission{'s' if count != 1 else ''} "
                f"{'have' if count != 1 else 'has'} waited more than "
                f"{org.approval_reminder_days} days for your decision.",
                url=reverse("timesheets:approvals"),
                subject="approvals waiting",
                now=now,
            )
    return found


def register() -> None:
    register_periodic("timesheets.remind", REMIND_EVERY, remind)
