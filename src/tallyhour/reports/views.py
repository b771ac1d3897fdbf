"""The utilisation page: available vs logged vs billable hours per agent for a period."""

import csv
import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tallyhour.accounts.models import Organisation, Role, User
from tallyhour.core import dates
from tallyhour.core.errors import DomainError, Forbidden
from tallyhour.core.htmx import PageRequest, error_page
from tallyhour.core.money import hours as decimal_hours
from tallyhour.reports.selectors import UtilisationRow, utilisation_for

PERIODS = [
    ("this_week", "This week"),
    ("last_week", "Last week"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("custom", "Custom"),
]


class CustomPeriodForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def period_bounds(key: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of a named period around `today`."""
    monday = dates.week_start(today)
    first_of_month = today.replace(day=1)
    if key == "last_week":
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if key == "this_month":
        next_month = (first_of_month + dt.timedelta(days=32)).replace(day=1)
        return first_of_month, next_month - dt.timedelta(days=1)
    if key == "last_month":
        last_day = first_of_month - dt.timedelta(days=1)
        return last_day.replace(day=1), last_day
    return monday, monday + dt.timedelta(days=6)


def _check_may_view(user: User) -> None:
    if user.role != Role.APPROVER and not user.is_billing_role:
        raise Forbidden("Utilisation is for approvers, billing and admins.")


def _total(rows: list[UtilisationRow]) -> UtilisationRow:
    """All agents together; the target is weighted by each agent's available hours."""
    available = sum(r.available_seconds for r in rows)
    if available:
        weighted = sum((r.target_utilisation * r.available_seconds for r in rows), Decimal(0))
        target = weighted / available
    else:
        target = sum((r.target_utilisation for r in rows), Decimal(0)) / len(rows)
    return UtilisationRow(
        agent_id=0,
        name="All agents",
        available_seconds=available,
        logged_seconds=sum(r.logged_seconds for r in rows),
        billable_seconds=sum(r.billable_seconds for r in rows),
        target_utilisation=target.quantize(Decimal("0.001")),
    )


def _csv(rows: list[UtilisationRow], start: dt.date, end: dt.date) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="utilisation-{start}-{end}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "agent",
            "available_h",
            "logged_h",
            "billable_h",
            "non_billable_h",
            "utilisation_pct",
            "logged_pct",
            "headroom_h",
            "over_capacity",
            "band",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row.name,
                decimal_hours(row.available_seconds),
                decimal_hours(row.logged_seconds),
                decimal_hours(row.billable_seconds),
                decimal_hours(row.non_billable_seconds),
                "" if row.utilisation is None else f"{row.utilisation * 100:.1f}",
                "" if row.logged_ratio is None else f"{row.logged_ratio * 100:.1f}",
                decimal_hours(row.headroom_seconds),
                "yes" if row.over_capacity else "no",
                row.band,
            ]
        )
    return response


@login_required
@require_GET
def utilisation(request: PageRequest) -> HttpResponse:
    try:
        _check_may_view(request.user)
    except DomainError as exc:
        return error_page(request, exc)
    today = dates.local_date(dates.now(), dates.zone(Organisation.current().timezone))
    key = request.GET.get("period", "this_week")
    if key not in dict(PERIODS):
        key = "this_week"
    start, end = period_bounds(key if key != "custom" else "this_week", today)
    form = CustomPeriodForm(
        request.GET if key == "custom" else None, initial={"start": start, "end": end}
    )
    rows: list[UtilisationRow] = []
    status = 200
    if key == "custom":
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        else:
            status = 422
    if status == 200:
        try:
            rows = utilisation_for(actor=request.user, start=start, end=end)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status
    if status == 200 and request.GET.get("format") == "csv":
        return _csv(rows, start, end)
    context = {
        "periods": PERIODS,
        "period": key,
        "form": form,
        "start": start,
        "end": end,
        "rows": rows,
        "total": _total(rows) if rows else None,
        "today": today,
        "csv_query": request.GET.urlencode(),
    }
    return render(request, "reports/utilisation.html", context, status=status)
