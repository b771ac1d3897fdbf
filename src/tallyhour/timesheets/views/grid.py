"""The week grid's cells: a day's total per ticket or activity, typed as `1:30`, `90m` or
`1.5` and saved by `timetracking.services.day_total_set` (which says what a new total does
to the entries). htmx posts the grid on each change and swaps the #week region; without
JavaScript the grid's Save button posts it and the page comes back.

Each input is named `cell:<row key>:<day, 0 for Monday>:<seconds shown>`. The seconds the
person saw travel with the cell so that only cells they changed are written: the grid is
posted whole, and a cell typed over in another tab or filled by a timer meanwhile must not
be put back."""

import datetime as dt
import re
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tallyhour.accounts.requests import PageRequest
from tallyhour.core.errors import DomainError, InvalidInput
from tallyhour.core.forms import parse_duration
from tallyhour.core.templatetags.tally import hours
from tallyhour.servicedesk.models import Ticket
from tallyhour.timesheets.views.week import posted_week, week_context, week_fragment
from tallyhour.timetracking.day_totals import day_total_set
from tallyhour.timetracking.models import ChargeType

CELL = re.compile(r"^cell:([ta])(\d{1,18}):([0-6]):(\d{1,6})$")


@dataclass
class PostedCell:
    """One cell of a posted grid, as typed."""

    name: str
    key: str
    weekday: int
    day: dt.date
    shown_seconds: int
    typed: str

    @property
    def error_key(self) -> str:
        """How the grid template finds this cell's error: `<row key>:<day 0-6>`."""
        return f"{self.key}:{self.weekday}"


@dataclass
class CellError:
    """A refused cell: what was typed, a few words for the cell, the whole message."""

    typed: str
    short: str
    message: str
    status: int


def posted_cells(data: QueryDict, monday: dt.date) -> list[PostedCell]:
    """The grid's cells in a post, or InvalidInput naming the first malformed one."""
    cells = []
    for name in data:
        if not name.startswith("cell:"):
            continue
        match = CELL.match(name)
        if match is None:
            raise InvalidInput(
                f"{name!r} is not a grid cell (cell:<t|a><id>:<day 0-6>:<seconds>).",
                fields={name: "malformed"},
            )
        weekday = int(match[3])
        day = monday + dt.timedelta(days=weekday)
        key = match[1] + match[2]
        cells.append(PostedCell(name, key, weekday, day, int(match[4]), data.get(name) or ""))
    return cells


def _rows_of(cells: list[PostedCell]) -> dict[str, tuple[Ticket | None, ChargeType | None]]:
    """Each row key's ticket or activity, read in two queries, or InvalidInput."""
    ticket_ids = {int(c.key[1:]) for c in cells if c.key[0] == "t"}
    charge_ids = {int(c.key[1:]) for c in cells if c.key[0] == "a"}
    tickets = Ticket.objects.in_bulk(ticket_ids) if ticket_ids else {}
    charge_types = ChargeType.objects.in_bulk(charge_ids) if charge_ids else {}
    rows: dict[str, tuple[Ticket | None, ChargeType | None]] = {}
    for cell in cells:
        number = int(cell.key[1:])
        if cell.key[0] == "t":
            found: tuple[Ticket | None, ChargeType | None] = (tickets.get(number), None)
        else:
            found = (None, charge_types.get(number))
        if found == (None, None):
            raise InvalidInput(
                f"No ticket or activity {cell.key!r} for {cell.name!r}.",
                fields={cell.name: "no such row"},
            )
        rows[cell.key] = found
    return rows


def _minutes_or_error(cell: PostedCell) -> int | CellError:
    try:
        return parse_duration(cell.typed) or 0  # an emptied cell is zero
    except forms.ValidationError:
        return CellError(
            cell.typed,
            "Not a duration",
            f"{cell.typed!r} is not a duration: type 1:30, 90m or 1.5.",
            422,
        )


@login_required
@require_POST
def grid_save(request: PageRequest, week: str) -> HttpResponse:
    agent, monday, back = posted_week(request, week)
    cells = posted_cells(request.POST, monday)
    rows = _rows_of(cells)

    saved: list[str] = []
    errors: dict[str, CellError] = {}
    for cell in cells:
        minutes = _minutes_or_error(cell)
        if isinstance(minutes, CellError):
            errors[cell.error_key] = minutes
            continue
        if minutes == (cell.shown_seconds + 30) // 60:
            continue  # as shown (to the minute): not changed here
        ticket, charge_type = rows[cell.key]
        try:
            day_total_set(
                agent=agent,
                actor=request.user,
                day=cell.day,
                ticket=ticket,
                charge_type=charge_type,
                total_seconds=minutes * 60,
            )
        except DomainError as exc:
            short = next(iter(exc.fields.values()), "") if exc.fields else ""
            errors[cell.error_key] = CellError(
                cell.typed, str(short).capitalize() or "Refused", exc.message, exc.status
            )
            continue
        label = f"#{ticket.pk}" if ticket else charge_type.name  # type: ignore[union-attr]
        saved.append(f"{label} {cell.day:%a %d %b}: {hours(minutes * 60)}")

    if saved:
        messages.success(request, "Saved " + "; ".join(saved) + ".")
    for error in errors.values():
        messages.error(request, error.message)
    if not errors:
        return week_fragment(request, agent, monday) if request.htmx else redirect(back)
    status = max(error.status for error in errors.values())
    if request.htmx:
        return week_fragment(request, agent, monday, status=status, grid_errors=errors)
    context = week_context(request, agent, monday, grid_errors=errors)
    return render(request, "timesheets/week.html", context, status=status)
