"""Missed hours: everything that should have been time, or money, and is not (yet)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
)

from tallyhour.accounts.calendars import calendars_by_agent
from tallyhour.accounts.models import Agent, Organisation, User
from tallyhour.core import dates
from tallyhour.reports.selectors.common import (
    MAX_DAILY_DAYS,
    BucketTotals,
    Money,
    add_money,
    check_period,
    check_reports,
    chosen_agents,
    entry_totals,
)
from tallyhour.reports.selectors.unbilled import (
    MoneyGroup,
    long_timer_entries,
    unbilled_by_client,
    valued_by_client,
    write_off_entries,
    write_offs_by_agent,
)
from tallyhour.servicedesk.models import Ticket
from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timesheets.selectors import submissions_visible_to
from tallyhour.timetracking.models import (
    TimeEntry,
    Timer,
    TimerState,
)


@dataclass
class DayGap:
    agent_id: int
    name: str
    day: dt.date
    target_seconds: int
    logged_seconds: int

    @property
    def gap_seconds(self) -> int:
        return max(0, self.target_seconds - self.logged_seconds)


@dataclass
class LateWeek:
    agent_id: int
    name: str
    week_start: dt.date
    target_seconds: int
    logged_seconds: int
    unsubmitted_seconds: int

    @property
    def label(self) -> str:
        return dates.format_week(self.week_start)


@dataclass
class MissedHours:
    start: dt.date
    end: dt.date
    gaps: list[DayGap]
    late_weeks: list[LateWeek]
    waiting: list[Submission]
    long_timers: list[TimeEntry]
    running_long: list[Timer]
    tickets_without_time: list[Ticket] | None
    unbilled: list[MoneyGroup] | None
    write_offs_by_client: list[MoneyGroup]
    write_offs_by_agent: list[MoneyGroup]
    deadline_days: int = 0
    waiting_days: int = 0
    long_timer_hours: int = 0

    @property
    def gap_seconds(self) -> int:
        return sum(g.gap_seconds for g in self.gaps)

    @property
    def unbilled_seconds(self) -> int:
        return sum(g.seconds for g in self.unbilled or [])

    @property
    def unbilled_value(self) -> Money:
        total: Money = {}
        for group in self.unbilled or []:
            add_money(total, group.value)
        return total

    @property
    def write_off_seconds(self) -> int:
        return sum(g.seconds for g in self.write_offs_by_agent)


def tickets_without_time(
    agents: list[Agent], start: dt.date, end: dt.date, org: Organisation
) -> list[Ticket]:
    """Tickets the agents acted on in the period (organisation days) without logging any
    time on them in it: work that probably happened and was not captured."""
    lo, hi = dates.day_range(start, end, dates.zone(org.timezone))
    ids = [agent.user_id for agent in agents]
    logged = TimeEntry.objects.filter(
        ticket=OuterRef("pk"), agent_id__in=ids, started_at__gte=lo, started_at__lt=hi
    )
    acted = Q(actions__agent_id__in=ids, actions__created_at__gte=lo, actions__created_at__lt=hi)
    return list(
        Ticket.objects.filter(acted)
        .filter(~Exists(logged))
        .annotate(
            action_count=Count("actions", filter=acted), last_action=Max("actions__created_at")
        )
        .select_related("client", "assignee")
        .order_by("-last_action")
    )


def missed_hours(
    *,
    actor: User,
    start: dt.date,
    end: dt.date,
    deadline_days: int | None = None,
    waiting_days: int | None = None,
    long_timer_hours: int | None = None,
    now: dt.datetime | None = None,
) -> MissedHours:
    """Everything that should have been time, or money, and is not (yet) — for the period.

    Day gaps and late weeks count only days that are over in the agent's zone; a running
    timer fills today's gap as it runs. Unbilled time and its value are for finance only."""
    check_reports(actor)
    check_period(start, end, longest=MAX_DAILY_DAYS)
    now = now or dates.now()
    org = Organisation.current()
    deadline_days = org.submission_deadline_days if deadline_days is None else deadline_days
    waiting_days = org.approval_reminder_days if waiting_days is None else waiting_days
    long_timer_hours = org.max_timer_hours if long_timer_hours is None else long_timer_hours
    agents = chosen_agents(actor, None, None)
    calendars = calendars_by_agent(agents, dates.week_start(start), end)
    days = dates.days(dates.week_start(start), end)
    totals = entry_totals(agents, [(d, d) for d in days])

    gaps: list[DayGap] = []
    late: list[LateWeek] = []
    submitted = set(
        Submission.objects.filter(
            agent_id__in=[a.user_id for a in agents],
            week_start__gte=days[0],
            week_start__lte=end,
            state__in=[SubmissionState.SUBMITTED, SubmissionState.APPROVED],
        ).values_list("agent_id", "week_start")
    )
    for agent in agents:
        today = dates.local_date(now, dates.zone(agent.timezone))
        name = agent.user.display_name
        week: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0])
        for index, day in enumerate(calendars[agent.user_id]):
            agg = totals.get((agent.user_id, index), BucketTotals())
            if start <= day.day < today and day.target_seconds > agg.logged:
                gaps.append(DayGap(agent.user_id, name, day.day, day.target_seconds, agg.logged))
            sums = week[dates.week_start(day.day)]
            sums[0] += day.target_seconds
            sums[1] += agg.logged
            sums[2] += agg.unsubmitted
        for monday, (target, logged, unsubmitted) in week.items():
            deadline = monday + dt.timedelta(days=6 + deadline_days)
            if today <= deadline or (agent.user_id, monday) in submitted:
                continue
            if target or unsubmitted:
                late.append(LateWeek(agent.user_id, name, monday, target, logged, unsubmitted))

    waiting = list(
        submissions_visible_to(actor)
        .filter(
            state=SubmissionState.SUBMITTED,
            submitted_at__lt=now - dt.timedelta(days=waiting_days),
            agent_id__in=[a.user_id for a in agents],
        )
        .exclude(agent=actor)
        .order_by("submitted_at")
    )
    running_long = list(
        Timer.objects.filter(
            agent_id__in=[a.user_id for a in agents],
            state=TimerState.RUNNING,
            running_since__lt=now - dt.timedelta(hours=long_timer_hours),
        ).select_related("agent", "ticket")
    )
    write_offs = write_off_entries(actor=actor, start=start, end=end)
    return MissedHours(
        start=start,
        end=end,
        gaps=sorted(gaps, key=lambda g: (g.day, g.name)),
        late_weeks=sorted(late, key=lambda w: (w.week_start, w.name)),
        waiting=waiting,
        long_timers=list(long_timer_entries(actor=actor, start=start, end=end)),
        running_long=running_long,
        tickets_without_time=tickets_without_time(agents, start, end, org),
        unbilled=unbilled_by_client(actor=actor, end=end) if actor.is_billing_role else None,
        write_offs_by_client=valued_by_client(
            write_offs, F("worked_seconds") - F("billable_seconds")
        ),
        write_offs_by_agent=write_offs_by_agent(write_offs, agents),
        deadline_days=deadline_days,
        waiting_days=waiting_days,
        long_timer_hours=long_timer_hours,
    )
