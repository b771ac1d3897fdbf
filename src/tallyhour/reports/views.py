"""Report pages: utilisation (with charts), missed hours and its drill-downs, profitability.
Every table also downloads as CSV (`?format=csv&table=...`)."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tallyhour.accounts.models import Organisation, Team
from tallyhour.accounts.permissions import can_bill
from tallyhour.accounts.requests import PageRequest
from tallyhour.core import csvsafe, dates
from tallyhour.core.errors import DomainError, InvalidInput
from tallyhour.core.htmx import error_page
from tallyhour.core.money import hours as decimal_hours
from tallyhour.reports import selectors, svg
from tallyhour.reports.forms import CustomPeriodForm
from tallyhour.reports.periods import NAMED_PERIODS, named_period
from tallyhour.reports.selectors import MoneyGroup, ProfitRow, UtilisationRow

PERIODS = [*NAMED_PERIODS, ("custom", "Custom")]


@dataclass
class Period:
    key: str
    start: dt.date
    end: dt.date
    form: CustomPeriodForm
    today: dt.date
    error: str = ""


def period_bounds(key: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """Kept for callers that name a period; see `periods.named_period`."""
    return named_period(key, today)


def _period(request: PageRequest, default: str = "this_week") -> Period:
    today = dates.local_date(dates.now(), dates.zone(Organisation.current().timezone))
    key = request.GET.get("period", default)
    if key not in dict(PERIODS):
        key = default
    start, end = named_period(key if key != "custom" else default, today)
    form = CustomPeriodForm(
        request.GET if key == "custom" else None, initial={"start": start, "end": end}
    )
    period = Period(key, start, end, form, today)
    if key == "custom":
        if form.is_valid():
            period.start, period.end = form.cleaned_data["start"], form.cleaned_data["end"]
        else:
            period.error = "Choose a first and a last day."
    return period


def _int_param(request: PageRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _csv(
    name: str, header: list[str], rows: Iterable[Any], cells: Callable[[Any], list[Any]]
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csvsafe.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow(cells(row))
    return response


def _pct(ratio: Decimal | None) -> str:
    return "" if ratio is None else f"{ratio * 100:.1f}"


def _money_text(money: dict[str, Decimal]) -> str:
    return " ".join(f"{amount} {currency}" for currency, amount in money.items())


UTILISATION_HEADER = [
    "name",
    "available_h",
    "logged_h",
    "billable_h",
    "non_billable_h",
    "utilisation_pct",
    "logged_pct",
    "headroom_h",
    "over_capacity",
    "target_pct",
    "band",
    "billed_h",
    "revenue",
]
# Added after the first columns so that existing readers of the CSV keep their positions.
TO_DATE_HEADER = ["available_to_date_h", "utilisation_to_date_pct", "logged_to_date_pct"]
TREND_HEADER = ["week", *UTILISATION_HEADER[1:11], *TO_DATE_HEADER]


def _to_date_cells(row: UtilisationRow) -> list[Any]:
    return [
        decimal_hours(row.available_so_far_seconds),
        _pct(row.utilisation_to_date),
        _pct(row.logged_ratio_to_date),
    ]


def _trend_cells(row: UtilisationRow) -> list[Any]:
    return _utilisation_cells(row)[:11] + _to_date_cells(row)


def _utilisation_cells(row: UtilisationRow) -> list[Any]:
    return [
        row.name,
        decimal_hours(row.available_seconds),
        decimal_hours(row.logged_seconds),
        decimal_hours(row.billable_seconds),
        decimal_hours(row.non_billable_seconds),
        _pct(row.utilisation),
        _pct(row.logged_ratio),
        decimal_hours(row.headroom_seconds),
        "yes" if row.over_capacity else "no",
        _pct(row.target_utilisation),
        row.band,
        decimal_hours(row.billed_seconds),
        _money_text(row.revenue),
        *_to_date_cells(row),
    ]


def _failed(
    request: PageRequest, template: str, context: dict[str, Any], exc: DomainError
) -> HttpResponse:
    if exc.status in (403, 404):
        return error_page(request, exc)
    context["report_errors"] = [exc.message]
    return render(request, template, context, status=exc.status)


def _base_context(request: PageRequest, period: Period) -> dict[str, Any]:
    return {
        "periods": PERIODS,
        "period": period,
        "form": period.form,
        "start": period.start,
        "end": period.end,
        "csv_query": request.GET.urlencode(),
        "reports_css": True,
    }


@login_required
@require_GET
def utilisation(request: PageRequest) -> HttpResponse:
    period = _period(request)
    team_id = _int_param(request, "team")
    trend_agent = _int_param(request, "trend_agent")
    context = _base_context(request, period)
    context.update(team_id=team_id, trend_agent=trend_agent, rows=[], teams=[], trend=[])
    if team_id:
        context.update(keep_query=f"&team={team_id}", keep_fields=[("team", team_id)])
    template = "reports/utilisation.html"
    try:
        selectors.check_reports(request.user)
        if period.error:
            raise InvalidInput(period.error, fields={"start": "required", "end": "required"})
        rows = selectors.utilisation_for(
            actor=request.user, start=period.start, end=period.end, team_id=team_id
        )
        trend = selectors.utilisation_trend(
            actor=request.user,
            start=period.start - dt.timedelta(weeks=11)
            if (period.end - period.start).days < 70
            else period.start,
            end=period.end,
            agent_ids=[trend_agent] if trend_agent else None,
            team_id=team_id,
        )
    except DomainError as exc:
        return _failed(request, template, context, exc)
    team_list = selectors.team_rows(rows)
    table = request.GET.get("table", "agents")
    if request.GET.get("format") == "csv":
        name = f"utilisation-{table}-{period.start}-{period.end}"
        if table == "teams":
            header = ["team", *UTILISATION_HEADER[1:], *TO_DATE_HEADER]
            return _csv(name, header, team_list, _utilisation_cells)
        if table == "trend":
            return _csv(name, TREND_HEADER, [p.row for p in trend], _trend_cells)
        header = ["agent", *UTILISATION_HEADER[1:], *TO_DATE_HEADER]
        return _csv(name, header, rows, _utilisation_cells)
    total = selectors.combined_row(rows, name="All agents") if rows else None
    context.update(
        in_progress=period.start <= period.today <= period.end,
        rows=rows,
        teams=team_list,
        all_teams=Team.objects.order_by("name"),
        total=total,
        show_money=can_bill(request.user),
        trend=trend,
        trend_name=next((r.name for r in rows if r.agent_id == trend_agent), None),
        capacity_chart=svg.capacity_bars(rows),
        trend_chart=svg.trend_lines(
            trend, trend[-1].row.target_utilisation if trend and rows else None
        ),
    )
    return render(request, template, context)


GAP_HEADER = ["agent", "day", "target_h", "logged_h", "gap_h"]


@login_required
@require_GET
def missed_hours(request: PageRequest) -> HttpResponse:
    period = _period(request, default="last_week")
    context = _base_context(request, period)
    context["params"] = {
        "deadline_days": _int_param(request, "deadline_days"),
        "waiting_days": _int_param(request, "waiting_days"),
        "long_timer_hours": _int_param(request, "long_timer_hours"),
    }
    template = "reports/missed_hours.html"
    try:
        selectors.check_reports(request.user)
        if period.error:
            raise InvalidInput(period.error, fields={"start": "required", "end": "required"})
        report = selectors.missed_hours(
            actor=request.user, start=period.start, end=period.end, **context["params"]
        )
    except DomainError as exc:
        context["report"] = None
        return _failed(request, template, context, exc)
    if request.GET.get("format") == "csv":
        return _missed_csv(request.GET.get("table", "gaps"), report)
    context.update(
        report=report, show_money=can_bill(request.user), waiting_days=report.waiting_days
    )
    return render(request, template, context)


def _group_cells(group: MoneyGroup) -> list[Any]:
    return [group.name, decimal_hours(group.seconds), group.entries, _money_text(group.value)]


def _missed_csv(table: str, report: selectors.MissedHours) -> HttpResponse:
    name = f"missed-hours-{table}-{report.start}-{report.end}"
    if table == "late_weeks":
        return _csv(
            name,
            ["agent", "week", "target_h", "logged_h", "unsubmitted_h"],
            report.late_weeks,
            lambda w: [
                w.name,
                w.label,
                decimal_hours(w.target_seconds),
                decimal_hours(w.logged_seconds),
                decimal_hours(w.unsubmitted_seconds),
            ],
        )
    if table == "waiting":
        return _csv(
            name,
            ["agent", "week", "submitted_at", "hours"],
            report.waiting,
            lambda s: [
                s.agent.get_full_name() or s.agent.username,
                dates.format_week(s.week_start) if s.week_start else "",
                s.submitted_at.isoformat(),
                decimal_hours(s.total_seconds),
            ],
        )
    if table == "long_timers":
        return _entries_csv(name, report.long_timers)
    if table == "unbilled" and report.unbilled is not None:
        return _csv(name, ["client", "hours", "entries", "value"], report.unbilled, _group_cells)
    if table == "write_offs_by_client":
        return _csv(
            name, ["client", "hours", "entries", "value"], report.write_offs_by_client, _group_cells
        )
    if table == "write_offs_by_agent":
        return _csv(
            name, ["agent", "hours", "entries", "value"], report.write_offs_by_agent, _group_cells
        )
    return _csv(
        name,
        GAP_HEADER,
        report.gaps,
        lambda g: [
            g.name,
            g.day.isoformat(),
            decimal_hours(g.target_seconds),
            decimal_hours(g.logged_seconds),
            decimal_hours(g.gap_seconds),
        ],
    )


ENTRY_HEADER = [
    "id",
    "agent",
    "started_at",
    "client",
    "ticket",
    "charge_type",
    "state",
    "worked_h",
    "billable_h",
    "written_off_h",
    "reason",
]


def _entries_csv(name: str, entries: Iterable[Any]) -> HttpResponse:
    return _csv(
        name,
        ENTRY_HEADER,
        entries,
        lambda e: [
            e.pk,
            e.agent.get_full_name() or e.agent.username,
            e.started_at.isoformat(),
            e.ticket.client.name if e.ticket else "",
            e.ticket_id or "",
            e.charge_type.name,
            e.state,
            decimal_hours(e.worked_seconds),
            decimal_hours(e.billable_seconds),
            decimal_hours(e.worked_seconds - e.billable_seconds if e.is_billable else 0),
            e.write_off_reason,
        ],
    )


DRILL_DOWNS = {
    "unbilled": "Approved billable time not yet invoiced",
    "write_offs": "Written-off time",
    "long_timers": "Capped or very long timers",
}
DRILL_DOWN_LIMIT = 500


@login_required
@require_GET
def missed_entries(request: PageRequest, kind: str) -> HttpResponse:
    """The entries behind one count of the missed-hours dashboard."""
    period = _period(request, default="last_week")
    context = _base_context(request, period)
    client_id, agent_id = _int_param(request, "client"), _int_param(request, "agent")
    context.update(kind=kind, title=DRILL_DOWNS.get(kind, ""), entries=[])
    template = "reports/missed_entries.html"
    try:
        selectors.check_reports(request.user)
        if kind not in DRILL_DOWNS:
            raise InvalidInput(f"Unknown list {kind!r}.", fields={"kind": "unknown"})
        if period.error:
            raise InvalidInput(period.error, fields={"start": "required", "end": "required"})
        agents = [agent_id] if agent_id else None
        if kind == "unbilled":
            entries = selectors.unbilled_entries(actor=request.user, end=period.end)
            if agent_id:
                entries = entries.filter(agent_id=agent_id)
        elif kind == "write_offs":
            entries = selectors.write_off_entries(
                actor=request.user, start=period.start, end=period.end, agent_ids=agents
            )
        else:
            entries = selectors.long_timer_entries(
                actor=request.user, start=period.start, end=period.end, agent_ids=agents
            )
    except DomainError as exc:
        return _failed(request, template, context, exc)
    if client_id:
        entries = entries.filter(ticket__client_id=client_id)
    entries = entries.order_by("started_at", "id")
    if request.GET.get("format") == "csv":
        return _entries_csv(f"{kind}-{period.start}-{period.end}", entries)
    shown = list(entries[: DRILL_DOWN_LIMIT + 1])
    context.update(
        entries=shown[:DRILL_DOWN_LIMIT],
        truncated=len(shown) > DRILL_DOWN_LIMIT,
        client_id=client_id,
    )
    return render(request, template, context)


PROFIT_HEADER = [
    "name",
    "worked_h",
    "billed_h",
    "revenue",
    "cost",
    "margin",
    "margin_pct",
    "effective_rate",
]


def _profit_cells(row: ProfitRow) -> list[Any]:
    return [
        row.name,
        decimal_hours(row.worked_seconds),
        decimal_hours(row.billed_seconds),
        _money_text(row.revenue),
        f"{row.cost} {row.currency}",
        "" if row.margin is None else f"{row.margin} {row.currency}",
        _pct(row.margin_ratio),
        _money_text(row.effective_rate),
    ]


@login_required
@require_GET
def profitability(request: PageRequest) -> HttpResponse:
    period = _period(request, default="last_month")
    context = _base_context(request, period)
    template = "reports/profitability.html"
    try:
        selectors.check_finance(request.user)
        if period.error:
            raise InvalidInput(period.error, fields={"start": "required", "end": "required"})
        report = selectors.profitability(actor=request.user, start=period.start, end=period.end)
    except DomainError as exc:
        context["report"] = None
        return _failed(request, template, context, exc)
    if request.GET.get("format") == "csv":
        table = request.GET.get("table", "clients")
        if table != "agents":
            table = "clients"
        rows = report.agents if table == "agents" else report.clients
        name = f"profitability-{table}-{period.start}-{period.end}"
        return _csv(name, PROFIT_HEADER, rows, _profit_cells)
    context["report"] = report
    context["tables"] = [
        ("Per client", report.clients, "clients", "Client"),
        ("Per agent", report.agents, "agents", "Agent"),
    ]
    return render(request, template, context)
