"""Reads for weeks, days, submissions, the approval queue and entry history."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Case, F, Model, Q, QuerySet, Sum, When

from tallyhour.accounts.calendars import CalendarDay, calendars_by_agent
from tallyhour.accounts.models import Agent, Role, User
from tallyhour.accounts.permissions import approved_agent_ids, can_admin, can_bill
from tallyhour.core import dates
from tallyhour.core.audit import history_for
from tallyhour.core.errors import NotFound
from tallyhour.core.models import AuditEntry
from tallyhour.crm.models import Client
from tallyhour.servicedesk.models import Ticket
from tallyhour.timesheets.models import Submission, SubmissionKind, SubmissionState
from tallyhour.timetracking.models import (
    EDITABLE_STATES,
    ChargeType,
    TimeEntry,
    Timer,
    TimerState,
)
from tallyhour.timetracking.selectors import time_entry_get, timers_for
from tallyhour.timetracking.services import agent_profile


@dataclass
class Day:
    date: dt.date
    target_seconds: int
    logged_seconds: int = 0
    billable_seconds: int = 0
    entries: list[TimeEntry] = field(default_factory=list)
    calendar: CalendarDay | None = None
    is_future: bool = False  # after today in the agent's zone: no gap yet

    @property
    def gap_seconds(self) -> int:
        if self.is_future:
            return 0
        return max(0, self.target_seconds - self.logged_seconds)

    @property
    def fill_percent(self) -> int:
        if not self.target_seconds:
            return 100 if self.logged_seconds else 0
        return min(100, round(100 * self.logged_seconds / self.target_seconds))

    @property
    def absence(self) -> str:
        """Holiday, closure or leave lowering this day's target ('' when none)."""
        return self.calendar.absence_label if self.calendar else ""

    @property
    def absence_kind(self) -> str:
        if self.calendar is None:
            return ""
        if self.calendar.holiday:
            return "holiday"
        if self.calendar.closure:
            return "closure"
        return "leave" if self.calendar.leaves else ""


@dataclass
class GridRow:
    """One ticket or activity across the week: seconds per day. `key` names the row in the
    grid's form: `t<ticket id>`, or `a<charge type id>` for an activity without a ticket."""

    key: str
    label: str
    detail: str
    is_ticket: bool
    cells: list[int]
    billable_seconds: int = 0

    @property
    def total_seconds(self) -> int:
        return sum(self.cells)


@dataclass
class Week:
    agent: User
    monday: dt.date
    days: list[Day]
    submission: Submission | None  # the latest
    running_timer: Timer | None
    timezone: str
    timers: list[Timer] = field(default_factory=list)  # running and paused, newest first
    submissions: list[Submission] = field(default_factory=list)  # oldest first
    today: dt.date | None = None  # in the agent's zone
    # Tickets and activities of last week, shown as rows even before this week has time on them.
    last_week_rows: list[GridRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return dates.format_week(self.monday)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

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
    def has_unsubmitted(self) -> bool:
        return any(e.state in EDITABLE_STATES and not e.invoice_line_id for e in self.entries)

    @property
    def submitted_through(self) -> dt.date | None:
        """The last day a submitted or approved submission covers (None: none does)."""
        covering = [
            sub.through
            for sub in self.submissions
            if sub.through is not None
            and sub.state in (SubmissionState.SUBMITTED, SubmissionState.APPROVED)
        ]
        return max(covering, default=None)

    @property
    def submit_through(self) -> dt.date | None:
        """The last day a submission sent now covers: today at the latest (None: the week
        has not started). Later days stay open and join a follow-up submission."""
        today = self.today or self.sunday
        return None if today < self.monday else min(self.sunday, today)

    @property
    def open_days(self) -> list[Day]:
        """Days not covered by a submitted or approved submission."""
        covered = self.submitted_through
        return [d for d in self.days if covered is None or d.date > covered]

    def is_open(self, day: dt.date) -> bool:
        """Whether new time may go on `day` as far as this week's submissions go."""
        covered = self.submitted_through
        return covered is None or day > covered

    @property
    def open_flags(self) -> list[bool]:
        """`is_open` for each day, Monday first."""
        return [self.is_open(d.date) for d in self.days]

    @property
    def new_gap_seconds(self) -> int:
        """The gap of the days a submission sent now would add (what its comment explains)."""
        through = self.submit_through
        return sum(d.gap_seconds for d in self.open_days if through and d.date <= through)

    @property
    def can_submit(self) -> bool:
        """New days up to today to send, or entries returned (or recalled) and open again."""
        through = self.submit_through
        if through is None:
            return False
        covered = self.submitted_through
        if covered is None or covered < through:
            return True
        return any(
            e.state in EDITABLE_STATES and not e.invoice_line_id
            for d in self.days
            if d.date <= through
            for e in d.entries
        )

    @property
    def pending(self) -> list[Submission]:
        return [s for s in self.submissions if s.state == SubmissionState.SUBMITTED]

    @property
    def rows(self) -> list[GridRow]:
        """Entries grouped by ticket (or by activity when there is none), by day, plus last
        week's tickets and activities with no time yet."""
        rows: dict[str, GridRow] = {}
        for index, day in enumerate(self.days):
            for entry in day.entries:
                ticket = entry.ticket if entry.ticket_id else None
                key = f"t{entry.ticket_id}" if ticket else f"a{entry.charge_type_id}"
                row = rows.get(key)
                if row is None:
                    row = rows[key] = (
                        _ticket_row(ticket.pk, ticket.summary, ticket.client.name)
                        if ticket
                        else _activity_row(entry.charge_type_id, entry.charge_type.name)
                    )
                row.cells[index] += entry.worked_seconds
                row.billable_seconds += entry.billable_seconds if entry.is_billable else 0
        for row in self.last_week_rows:
            rows.setdefault(row.key, row)
        return sorted(rows.values(), key=lambda r: (not r.is_ticket, r.label.lower()))


def _ticket_row(ticket_id: int, summary: str, client_name: str) -> GridRow:
    return GridRow(f"t{ticket_id}", f"#{ticket_id} {summary}", client_name, True, [0] * 7)


def _activity_row(charge_type_id: int, name: str) -> GridRow:
    return GridRow(f"a{charge_type_id}", name, "", False, [0] * 7)


def last_week_rows(agent: User, monday: dt.date, tz: Any) -> list[GridRow]:
    """Empty grid rows for the tickets and activities the agent logged time on in the week
    before `monday`: one set-based query, whatever the number of entries."""
    start, end = dates.day_range(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1), tz)
    no_ticket = Q(ticket__isnull=True)
    used = (
        TimeEntry.objects.filter(agent=agent, started_at__gte=start, started_at__lt=end)
        # A ticket is one row whatever its charge types; only activities are per charge type.
        .annotate(
            activity_id=Case(When(no_ticket, then=F("charge_type_id"))),
            activity_name=Case(When(no_ticket, then=F("charge_type__name"))),
        )
        .values_list(
            "ticket_id", "ticket__summary", "ticket__client__name", "activity_id", "activity_name"
        )
        .order_by()  # nothing but the row's own columns in DISTINCT
        .distinct()
    )
    return [
        _ticket_row(ticket_id, summary, client)
        if ticket_id is not None
        else _activity_row(activity_id, activity_name)
        for ticket_id, summary, client, activity_id, activity_name in used
    ]


def profile_of(agent: User) -> Agent:
    """The agent's profile, read once per user object. Reading never creates one: someone
    without a profile is shown the defaults until their first logged time creates it (the
    services' `agent_profile`). The stand-in is unsaved and not cached on the user, so a
    write later in the same request still finds no profile and makes the real one."""
    try:
        return agent.agent
    except Agent.DoesNotExist:
        return Agent(user_id=agent.pk)


# Roles whose people log time: they get an agent profile when they first do. Billing users
# and client contacts have no My week unless an admin gives them a profile.
TIME_LOGGING_ROLES = frozenset({Role.ENGINEER, Role.APPROVER, Role.ADMIN})


def logs_time(user: User) -> bool:
    """Whether My week is for `user`: their role logs time, or they have an agent profile."""
    if user.role in TIME_LOGGING_ROLES or user.is_superuser:
        return True
    try:
        user.agent  # noqa: B018 - reads (and caches) the profile, for the week to reuse
    except Agent.DoesNotExist:
        return False
    return True


_ENTRY_COLUMNS = [f.attname for f in TimeEntry._meta.concrete_fields]
_TICKET_AT = _ENTRY_COLUMNS.index("ticket_id")
_CHARGE_AT = _ENTRY_COLUMNS.index("charge_type_id")


M = TypeVar("M", bound=Model)


def _partial(model: type[M], db: str, **values: Any) -> M:
    """A `model` object loaded with only these columns (from_db wants them in field order)."""
    columns = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(db, columns, [values[c] for c in columns])


def _entries_with_names(entries: QuerySet[TimeEntry]) -> list[TimeEntry]:
    """`entries` with their ticket, client and charge type, of which a week shows only names.

    Each ticket, client and charge type is built once and shared by its entries: with
    select_related a 200-entry week built 800 model objects, for ~20 distinct tickets,
    which cost more than the query. Other fields of those objects load on access."""
    rows = entries.values_list(
        *_ENTRY_COLUMNS,
        "ticket__summary",
        "ticket__client_id",
        "ticket__client__name",
        "charge_type__name",
    )
    db, width = entries.db, len(_ENTRY_COLUMNS)
    tickets: dict[int, Ticket] = {}
    charge_types: dict[int, ChargeType] = {}
    built = []
    for row in rows:
        entry = TimeEntry.from_db(db, _ENTRY_COLUMNS, row[:width])
        summary, client_id, client_name, charge_name = row[width:]
        if (ticket_id := row[_TICKET_AT]) is not None:
            ticket = tickets.get(ticket_id)
            if ticket is None:
                ticket = _partial(Ticket, db, id=ticket_id, summary=summary, client_id=client_id)
                client = _partial(Client, db, id=client_id, name=client_name)
                Ticket.client.field.set_cached_value(ticket, client)
                tickets[ticket_id] = ticket
            TimeEntry.ticket.field.set_cached_value(entry, ticket)
        charge_type = charge_types.get(row[_CHARGE_AT])
        if charge_type is None:
            charge_type = _partial(ChargeType, db, id=row[_CHARGE_AT], name=charge_name)
            charge_types[row[_CHARGE_AT]] = charge_type
        TimeEntry.charge_type.field.set_cached_value(entry, charge_type)
        built.append(entry)
    return built


def week_for(agent: User, monday: dt.date) -> Week:
    """An agent's week in their zone: entries by local day against the calendar's target."""
    profile = profile_of(agent)
    tz = dates.zone(profile.timezone)
    sunday = monday + dt.timedelta(days=6)
    start, end = dates.day_range(monday, sunday, tz)
    calendar = calendars_by_agent([profile], monday, sunday)[agent.pk]
    today = dates.local_date(dates.now(), tz)
    days = [
        Day(date=c.day, target_seconds=c.target_seconds, calendar=c, is_future=c.day > today)
        for c in calendar
    ]
    entries = _entries_with_names(
        TimeEntry.objects.filter(agent=agent, started_at__gte=start, started_at__lt=end).order_by(
            "started_at", "id"
        )
    )
    for entry in entries:
        day = days[(dates.local_date(entry.started_at, tz) - monday).days]
        day.entries.append(entry)
        day.logged_seconds += entry.worked_seconds
        if entry.is_billable:
            day.billable_seconds += entry.worked_seconds
    submissions = list(
        Submission.objects.select_related("decided_by")
        .filter(agent=agent, kind=SubmissionKind.WEEK, week_start=monday)
        .order_by("submitted_at", "id")
    )
    timers = list(timers_for(agent))
    timer = next((t for t in timers if t.state == TimerState.RUNNING), None)
    return Week(
        agent=agent,
        monday=monday,
        days=days,
        submission=submissions[-1] if submissions else None,
        running_timer=timer,
        timezone=profile.timezone,
        timers=timers,
        submissions=submissions,
        today=today,
        last_week_rows=last_week_rows(agent, monday, tz),
    )


def previous_week_activity_entries(agent: User, monday: dt.date) -> QuerySet[TimeEntry]:
    """Last week's entries without a ticket (meetings, admin, travel): what a copy repeats."""
    tz = dates.zone(agent_profile(agent).timezone)
    start, end = dates.day_range(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1), tz)
    return TimeEntry.objects.filter(
        agent=agent, ticket__isnull=True, started_at__gte=start, started_at__lt=end
    ).select_related("charge_type")


# --- submissions ------------------------------------------------------------------------------


def submissions_visible_to(actor: User) -> QuerySet[Submission]:
    subs = Submission.objects.select_related("agent", "decided_by", "ticket")
    if can_bill(actor):
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
    subs = Submission.objects.select_related("agent", "ticket").filter(
        state=SubmissionState.SUBMITTED
    )
    if not can_admin(actor):
        subs = subs.filter(agent__in=approved_agent_ids(actor).values("user_id"))
    return subs.exclude(agent=actor).order_by("submitted_at", "id")


def reopenable_submissions(actor: User, limit: int = 20) -> list[Submission]:
    """Recently approved submissions `actor` decides, newest first (candidates for reopening)."""
    subs = Submission.objects.select_related("agent", "ticket", "decided_by").filter(
        state=SubmissionState.APPROVED
    )
    if not can_admin(actor):
        subs = subs.filter(agent__in=approved_agent_ids(actor).values("user_id"))
    return list(subs.exclude(agent=actor).order_by("-decided_at", "-id")[:limit])


def submission_entries(submission: Submission) -> QuerySet[TimeEntry]:
    return submission.entries.select_related("ticket", "ticket__client", "charge_type").order_by(
        "started_at"
    )


def submission_totals(submission: Submission) -> dict[str, int]:
    agg = submission.entries.aggregate(
        worked=Sum("worked_seconds"), billable=Sum("billable_seconds")
    )
    return {"worked": agg["worked"] or 0, "billable": agg["billable"] or 0}


# --- entry history ----------------------------------------------------------------------------


def time_entry_history(*, actor: User, entry_id: int) -> tuple[TimeEntry, list[AuditEntry]]:
    """An entry the actor may see, with every recorded change to it, oldest first."""
    entry = time_entry_get(actor=actor, entry_id=entry_id)
    return entry, list(history_for(entry).order_by("created_at", "id"))


def _closed_day_query(agent_id: int, day: dt.date) -> QuerySet[Any]:
    # Two columns, not a model: this runs on every entry written.
    return (
        Submission.objects.filter(
            agent_id=agent_id,
            kind=SubmissionKind.WEEK,
            week_start=dates.week_start(day),
            through__gte=day,
            state__in=[SubmissionState.SUBMITTED, SubmissionState.APPROVED],
        )
        .values_list("week_start", "state")
        .order_by("pk")[:1]
    )


def closed_day_of(agent_id: int, day: dt.date) -> tuple[dt.date, str] | None:
    """(week start, state) when a submitted or approved week covers the agent's local `day`
    (registered with timetracking's lock module, which every time write asks). Days after
    an early submission's last day stay open."""
    for week_start, state in _closed_day_query(agent_id, day):
        return week_start, state
    return None
