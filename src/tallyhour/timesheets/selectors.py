"""Reads for weeks and submissions."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum

from tallyhour.accounts.models import User
from tallyhour.accounts.selectors import approved_agent_ids
from tallyhour.core import dates
from tallyhour.core.errors import NotFound
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timetracking.models import TimeEntry, Timer, TimerState
from tallyhour.timetracking.services import agent_profile


@dataclass
class Day:
    date: dt.date
    target_seconds: int
    logged_seconds: int = 0
    billable_seconds: int = 0
    entries: list[TimeEntry] = field(default_factory=list)

    @property
    def gap_seconds(self) -> int:
        return max(0, self.target_seconds - self.logged_seconds)

    @property
    def fill_percent(self) -> int:
        if not self.target_seconds:
            return 100 if self.logged_seconds else 0
        return min(100, round(100 * self.logged_seconds / self.target_seconds))


@dataclass
class Week:
    agent: User
    monday: dt.date
    days: list[Day]
    submission: Submission | None
    running_timer: Timer | None
    timezone: str

    @property
    def label(self) -> str:
        return dates.format_week(self.monday)

    @property
    def entries(self) -> list[TimeEntry]:
        return [e for d in self.days for e in d.entries]

    @property
    def target_seconds(self) -> int:
        return sum(d.target_seconds for d in self.days)

    @property
    def logged_seconds(self) -> int:
        return sum(d.logged_seconds for d in self.days)

    @property
    def billable_seconds(self) -> int:
        return sum(d.billable_seconds for d in self.days)

    @property
    def non_billable_seconds(self) -> int:
        return self.logged_seconds - self.billable_seconds

    @property
    def gap_seconds(self) -> int:
        return sum(d.gap_seconds for d in self.days)

    @property
    def can_submit(self) -> bool:
        return self.submission is None or self.submission.state in (
            SubmissionState.REJECTED,
            SubmissionState.RECALLED,
        )

    @property
    def has_unsubmitted(self) -> bool:
        return any(e.state in ("draft", "rejected") for e in self.entries)


def week_for(agent: User, monday: dt.date) -> Week:
    """An agent's week in their zone: entries by local day against the workday target."""
    profile = agent_profile(agent)
    tz = dates.zone(profile.timezone)
    start, end = dates.day_range(monday, monday + dt.timedelta(days=6), tz)
    targets = {w.weekday: w.target_seconds for w in profile.workdays.all()}
    days = [
        Day(date=d, target_seconds=targets.get(d.weekday(), 0))
        for d in dates.days(monday, monday + dt.timedelta(days=6))
    ]
    entries = (
        TimeEntry.objects.filter(agent=agent, started_at__gte=start, started_at__lt=end)
        .select_related("ticket", "ticket__client", "charge_type")
        .order_by("started_at", "id")
    )
    for entry in entries:
        day = days[(dates.local_date(entry.started_at, tz) - monday).days]
        day.entries.append(entry)
        day.logged_seconds += entry.worked_seconds
        if entry.is_billable:
            day.billable_seconds += entry.worked_seconds
    submission = (
        Submission.objects.filter(agent=agent, week_start=monday).order_by("-submitted_at").first()
    )
    timer = (
        Timer.objects.select_related("ticket", "charge_type")
        .filter(agent=agent, state=TimerState.RUNNING)
        .first()
    )
    return Week(
        agent=agent,
        monday=monday,
        days=days,
        submission=submission,
        running_timer=timer,
        timezone=profile.timezone,
    )


def submissions_visible_to(actor: User) -> QuerySet[Submission]:
    subs = Submission.objects.select_related("agent", "decided_by")
    if actor.is_billing_role:
        return subs
    # Whoever approves an agent's time may see it, whatever their role.
    return subs.filter(Q(agent=actor) | Q(agent__in=approved_agent_ids(actor).values("user_id")))


def submission_get(*, actor: User, submission_id: int) -> Submission:
    sub = submissions_visible_to(actor).filter(pk=submission_id).first()
    if sub is None:
        raise NotFound(f"Submission {submission_id} not found.")
    return sub


def approval_queue(actor: User) -> QuerySet[Submission]:
    """Submissions waiting for `actor`'s decision, oldest first, never their own."""
    subs = Submission.objects.select_related("agent").filter(state=SubmissionState.SUBMITTED)
    if not actor.is_admin_role:
        subs = subs.filter(agent__in=approved_agent_ids(actor).values("user_id"))
    return subs.exclude(agent=actor).order_by("submitted_at")


def submission_entries(submission: Submission) -> QuerySet[TimeEntry]:
    return submission.entries.select_related("ticket", "ticket__client", "charge_type").order_by(
        "started_at"
    )


def submission_totals(submission: Submission) -> dict[str, int]:
    agg = submission.entries.aggregate(
        worked=Sum("worked_seconds"), billable=Sum("billable_seconds")
    )
    return {"worked": agg["worked"] or 0, "billable": agg["billable"] or 0}
