"""API: utilisation, missed hours, unbilled time and profitability for any period."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.core import dates
from tallyhour.core.apikit.schemas import Day, ObjectId, error_responses
from tallyhour.core.money import hours
from tallyhour.reports import selectors
from tallyhour.reports.selectors import (
    DayGap,
    LateWeek,
    MoneyGroup,
    ProfitRow,
    TrendPoint,
    UtilisationRow,
)

router = Router(tags=["reports"])


class UtilisationRowOut(Schema):
    agent_id: int = Field(..., description="The agent's user id (the team's id in `teams`).")
    name: str
    available_hours: Decimal = Field(
        ..., description="Workday targets less public holidays, closure days and leave."
    )
    available_to_date_hours: Decimal = Field(
        ...,
        description="Available hours up to now when the period includes now: the days before "
        "today in full, today's pro rata to the part of its workday gone by, later days not at "
        "all. Equals available_hours once the period has ended; 0 before it begins.",
    )
    logged_hours: Decimal
    billable_hours: Decimal = Field(..., description="Worked time of billable entries.")
    non_billable_hours: Decimal
    utilisation: float | None = Field(
        ..., description="billable / available as a fraction; null with no available hours."
    )
    utilisation_to_date: float | None = Field(
        ..., description="billable / available to date; null with no available hours yet."
    )
    logged_ratio: float | None = Field(..., description="logged / available as a fraction.")
    logged_ratio_to_date: float | None = Field(
        ..., description="logged / available to date as a fraction."
    )
    target_utilisation: float = Field(..., description="The agent's target fraction.")
    headroom_hours: Decimal = Field(..., description="available − logged (negative when over).")
    over_capacity: bool
    band: str = Field(
        ...,
        description="under, on or over target, judged on utilisation_to_date; none without "
        "available hours to date.",
    )
    billed_hours: Decimal = Field(
        ..., description="The period's work on issued or paid invoices, after rounding."
    )
    revenue: dict[str, Decimal] = Field(
        ..., description="Billed amount per currency; empty for callers without billing rights."
    )

    @staticmethod
    def resolve_available_hours(row: UtilisationRow) -> Decimal:
        return hours(row.available_seconds)

    @staticmethod
    def resolve_available_to_date_hours(row: UtilisationRow) -> Decimal:
        return hours(row.available_so_far_seconds)

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

    @staticmethod
    def resolve_billed_hours(row: UtilisationRow) -> Decimal:
        return hours(row.billed_seconds)


class TrendPointOut(Schema):
    week: str = Field(..., description="ISO week, e.g. 2026-W47.")
    week_start: dt.date
    available_hours: Decimal
    available_to_date_hours: Decimal = Field(
        ..., description="Available hours up to now (the week in progress; else the week's)."
    )
    logged_hours: Decimal
    billable_hours: Decimal
    utilisation: float | None
    utilisation_to_date: float | None
    logged_ratio: float | None
    logged_ratio_to_date: float | None

    @staticmethod
    def resolve_week(point: TrendPoint) -> str:
        return point.label

    @staticmethod
    def resolve_available_hours(point: TrendPoint) -> Decimal:
        return hours(point.row.available_seconds)

    @staticmethod
    def resolve_available_to_date_hours(point: TrendPoint) -> Decimal:
        return hours(point.row.available_so_far_seconds)

    @staticmethod
    def resolve_logged_hours(point: TrendPoint) -> Decimal:
        return hours(point.row.logged_seconds)

    @staticmethod
    def resolve_billable_hours(point: TrendPoint) -> Decimal:
        return hours(point.row.billable_seconds)

    @staticmethod
    def resolve_utilisation(point: TrendPoint) -> Decimal | None:
        return point.row.utilisation

    @staticmethod
    def resolve_utilisation_to_date(point: TrendPoint) -> Decimal | None:
        return point.row.utilisation_to_date

    @staticmethod
    def resolve_logged_ratio(point: TrendPoint) -> Decimal | None:
        return point.row.logged_ratio

    @staticmethod
    def resolve_logged_ratio_to_date(point: TrendPoint) -> Decimal | None:
        return point.row.logged_ratio_to_date


class UtilisationOut(Schema):
    start: dt.date
    end: dt.date
    rows: list[UtilisationRowOut]
    teams: list[UtilisationRowOut] = Field(..., description="Per team, over its visible members.")
    weeks: list[TrendPointOut] = Field(
        ..., description="With `trend=true`: the chosen agents together, week by week."
    )


class PeriodParams(Schema):
    start: Day = Field(..., description="First local day of the period.", examples=["2026-11-01"])
    end: Day = Field(
        ..., description="Last local day, inclusive (at most 366 days).", examples=["2026-11-30"]
    )


class UtilisationParams(PeriodParams):
    agent_id: list[ObjectId] = Field(
        default_factory=list,
        max_length=1_000,
        description="Repeat to choose agents; empty means every agent the caller may see.",
    )
    team_id: ObjectId | None = Field(None, description="Only this team's members.")
    trend: bool = Field(False, description="Add the weekly trend (`weeks`).")


@router.get(
    "/reports/utilisation",
    response={200: UtilisationOut, **error_responses(422)},
    summary="Utilisation per agent and team",
)
def utilisation(request: AuthedRequest, params: Query[UtilisationParams]) -> dict[str, Any]:
    """Available, logged, billable and non-billable hours, utilisation, headroom, billed hours
    and revenue for each visible agent and team over local days `start`..`end`; running
    timers count up to now. A period that includes now also carries its figures to date
    (`available_to_date_hours`, `utilisation_to_date`), which the band judges."""
    agent_ids = params.agent_id or None
    rows = selectors.utilisation_for(
        actor=request.auth,
        start=params.start,
        end=params.end,
        agent_ids=agent_ids,
        team_id=params.team_id,
    )
    weeks = (
        selectors.utilisation_trend(
            actor=request.auth,
            start=params.start,
            end=params.end,
            agent_ids=agent_ids,
            team_id=params.team_id,
        )
        if params.trend
        else []
    )
    return {
        "start": params.start,
        "end": params.end,
        "rows": rows,
        "teams": selectors.team_rows(rows),
        "weeks": weeks,
    }


class MoneyGroupOut(Schema):
    id: int = Field(..., description="The client's or agent's id.")
    name: str
    hours: Decimal
    entries: int
    value: dict[str, Decimal] = Field(..., description="Per currency, at current rates.")
    oldest_work: dt.datetime | None = None

    @staticmethod
    def resolve_id(group: MoneyGroup) -> int:
        return group.key

    @staticmethod
    def resolve_hours(group: MoneyGroup) -> Decimal:
        return hours(group.seconds)

    @staticmethod
    def resolve_oldest_work(group: MoneyGroup) -> dt.datetime | None:
        return group.oldest


class DayGapOut(Schema):
    agent_id: int
    name: str
    day: dt.date
    target_hours: Decimal
    logged_hours: Decimal
    gap_hours: Decimal

    @staticmethod
    def resolve_target_hours(gap: DayGap) -> Decimal:
        return hours(gap.target_seconds)

    @staticmethod
    def resolve_logged_hours(gap: DayGap) -> Decimal:
        return hours(gap.logged_seconds)

    @staticmethod
    def resolve_gap_hours(gap: DayGap) -> Decimal:
        return hours(gap.gap_seconds)


class LateWeekOut(Schema):
    agent_id: int
    name: str
    week: str
    target_hours: Decimal
    logged_hours: Decimal
    unsubmitted_hours: Decimal

    @staticmethod
    def resolve_week(week: LateWeek) -> str:
        return week.label

    @staticmethod
    def resolve_target_hours(week: LateWeek) -> Decimal:
        return hours(week.target_seconds)

    @staticmethod
    def resolve_logged_hours(week: LateWeek) -> Decimal:
        return hours(week.logged_seconds)

    @staticmethod
    def resolve_unsubmitted_hours(week: LateWeek) -> Decimal:
        return hours(week.unsubmitted_seconds)


class WaitingOut(Schema):
    submission_id: int
    agent_id: int
    week: str = Field(..., description="The ISO week; empty for a per-ticket submission.")
    submitted_at: dt.datetime
    hours: Decimal


class LongTimerOut(Schema):
    entry_id: int | None = Field(..., description="The capped entry; null for a running timer.")
    timer_id: int | None = None
    agent_id: int
    started_at: dt.datetime
    hours: Decimal
    running: bool


class TicketWithoutTimeOut(Schema):
    ticket_id: int
    summary: str
    client_id: int
    actions: int


class MissedHoursOut(Schema):
    start: dt.date
    end: dt.date
    deadline_days: int
    waiting_days: int
    long_timer_hours: int
    gaps: list[DayGapOut] = Field(..., description="Past workdays logged short of the target.")
    late_weeks: list[LateWeekOut] = Field(..., description="Weeks not submitted by the deadline.")
    waiting: list[WaitingOut] = Field(..., description="Submitted longer than waiting_days ago.")
    long_timers: list[LongTimerOut]
    tickets_without_time: list[TicketWithoutTimeOut] = Field(
        ..., description="Tickets acted on in the period with no time logged on them."
    )
    unbilled: list[MoneyGroupOut] | None = Field(
        ..., description="By client; null for callers without billing rights."
    )
    write_offs_by_client: list[MoneyGroupOut]
    write_offs_by_agent: list[MoneyGroupOut]


class MissedHoursParams(PeriodParams):
    deadline_days: int | None = Field(
        None, ge=0, le=365, description="Days after a week before it is late (organisation's)."
    )
    waiting_days: int | None = Field(
        None, ge=0, le=365, description="Submissions waiting longer count (organisation's)."
    )
    long_timer_hours: int | None = Field(
        None, ge=1, le=10_000, description="Running timers older than this count."
    )


@router.get(
    "/reports/missed-hours",
    response={200: MissedHoursOut, **error_responses(403, 422)},
    summary="Missed hours",
)
def missed_hours(request: AuthedRequest, params: Query[MissedHoursParams]) -> dict[str, Any]:
    """Workday gaps, late and waiting timesheets, capped or long timers, tickets acted on
    without time, approved time not invoiced (billing only) and write-offs, for approvers,
    billing and admins; at most 93 days."""
    now = dates.now()
    report = selectors.missed_hours(
        actor=request.auth,
        start=params.start,
        end=params.end,
        deadline_days=params.deadline_days,
        waiting_days=params.waiting_days,
        long_timer_hours=params.long_timer_hours,
        now=now,
    )
    long_timers = [
        {
            "entry_id": None,
            "timer_id": t.pk,
            "agent_id": t.agent_id,
            "started_at": t.running_since,
            "hours": hours(t.elapsed_seconds(now)),
            "running": True,
        }
        for t in report.running_long
    ] + [
        {
            "entry_id": e.pk,
            "agent_id": e.agent_id,
            "started_at": e.started_at,
            "hours": hours(e.worked_seconds),
            "running": False,
        }
        for e in report.long_timers
    ]
    return {
        "start": report.start,
        "end": report.end,
        "deadline_days": report.deadline_days,
        "waiting_days": report.waiting_days,
        "long_timer_hours": report.long_timer_hours,
        "gaps": report.gaps,
        "late_weeks": report.late_weeks,
        "waiting": [
            {
                "submission_id": s.pk,
                "agent_id": s.agent_id,
                "week": dates.format_week(s.week_start) if s.week_start else "",
                "submitted_at": s.submitted_at,
                "hours": hours(s.total_seconds),
            }
            for s in report.waiting
        ],
        "long_timers": long_timers,
        "tickets_without_time": [
            {
                "ticket_id": t.pk,
                "summary": t.summary,
                "client_id": t.client_id,
                "actions": getattr(t, "action_count", 0),
            }
            for t in report.tickets_without_time or []
        ],
        "unbilled": report.unbilled,
        "write_offs_by_client": report.write_offs_by_client,
        "write_offs_by_agent": report.write_offs_by_agent,
    }


class UnbilledOut(Schema):
    end: dt.date
    hours: Decimal
    value: dict[str, Decimal]
    clients: list[MoneyGroupOut]


class UnbilledParams(Schema):
    end: Day = Field(
        ..., description="Count work up to and including this day.", examples=["2026-11-30"]
    )


@router.get(
    "/reports/unbilled",
    response={200: UnbilledOut, **error_responses(403, 422)},
    summary="Approved time not yet invoiced",
)
def unbilled(request: AuthedRequest, params: Query[UnbilledParams]) -> dict[str, Any]:
    """Approved billable time worked up to `end` and on no invoice, by client, valued at
    current rates (the revenue leakage); billing and admins only."""
    groups = selectors.unbilled_by_client(actor=request.auth, end=params.end)
    value: dict[str, Decimal] = {}
    for group in groups:
        for currency, amount in group.value.items():
            value[currency] = value.get(currency, Decimal(0)) + amount
    return {
        "end": params.end,
        "hours": hours(sum(g.seconds for g in groups)),
        "value": value,
        "clients": groups,
    }


class ProfitRowOut(Schema):
    id: int
    name: str
    worked_hours: Decimal
    billed_hours: Decimal
    revenue: dict[str, Decimal]
    cost: Decimal = Field(..., description="Hours worked × agent cost rates.")
    currency: str = Field(..., description="The organisation's currency (cost and margin).")
    margin: Decimal | None = Field(..., description="Null when revenue is in other currencies.")
    effective_rate: dict[str, Decimal] = Field(..., description="Revenue per hour worked.")

    @staticmethod
    def resolve_id(row: ProfitRow) -> int:
        return row.key

    @staticmethod
    def resolve_worked_hours(row: ProfitRow) -> Decimal:
        return hours(row.worked_seconds)

    @staticmethod
    def resolve_billed_hours(row: ProfitRow) -> Decimal:
        return hours(row.billed_seconds)


class ProfitabilityOut(Schema):
    start: dt.date
    end: dt.date
    currency: str
    clients: list[ProfitRowOut]
    agents: list[ProfitRowOut]


@router.get(
    "/reports/profitability",
    response={200: ProfitabilityOut, **error_responses(403, 422)},
    summary="Profitability per client and agent",
)
def profitability(request: AuthedRequest, params: Query[PeriodParams]) -> selectors.Profitability:
    """Revenue billed for the period's work against the cost of the time (agent cost
    rates), and the effective hourly rate; billing and admins only."""
    return selectors.profitability(actor=request.auth, start=params.start, end=params.end)
