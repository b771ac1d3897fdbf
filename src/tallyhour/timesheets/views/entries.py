"""One time entry on the timesheet pages: add, show (row or history), edit inline, delete."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from tallyhour.accounts.permissions import can_approve, can_log_for
from tallyhour.accounts.requests import PageRequest
from tallyhour.core import dates
from tallyhour.core.errors import Conflict, Forbidden
from tallyhour.core.htmx import render_page
from tallyhour.core.pageerrors import back_on_error, form_submit
from tallyhour.core.templatetags.tally import hours
from tallyhour.timesheets import selectors
from tallyhour.timesheets.views.week import (
    agent_from,
    monday_of,
    week_context,
    week_fragment,
    week_url,
    zone_of,
)
from tallyhour.timetracking import services as tracking
from tallyhour.timetracking.forms import EntryForm
from tallyhour.timetracking.models import TimeEntry
from tallyhour.timetracking.selectors import time_entry_get


@login_required
@require_POST
def entry_create(request: PageRequest) -> HttpResponse:
    agent = agent_from(request, request.POST.get("agent"))
    shown = dates.parse_week(request.POST.get("week", ""))
    tz = zone_of(agent)
    form = EntryForm(request.POST, tz=tz)
    entry, status = form_submit(
        form,
        lambda: tracking.time_entry_create(agent=agent, actor=request.user, **form.create_kwargs()),
    )
    if entry is not None:
        monday = monday_of(entry, tz)
        when = entry.started_at.astimezone(tz)
        messages.success(
            request, f"Logged {hours(entry.worked_seconds)} on {when:%a %d %b} at {when:%H:%M}."
        )
        if request.htmx and monday == shown:
            return week_fragment(request, agent, monday, day=when.date())
        if request.htmx:
            return HttpResponseClientRedirect(week_url(request, agent, monday))
        return redirect(week_url(request, agent, monday))
    if request.htmx:
        response = render(
            request,
            "timesheets/partials/entry_form.html",
            {"entry_form": form, "agent": agent, "week_label": dates.format_week(shown)},
            status=status,
        )
        retarget(response, "#entry-form")
        reswap(response, "outerHTML")
        return response
    context = week_context(request, agent, shown, entry_form=form)
    return render(request, "timesheets/week.html", context, status=status)


def _entry_for_change(request: PageRequest, entry_id: int) -> TimeEntry:
    entry = time_entry_get(actor=request.user, entry_id=entry_id)
    if not can_log_for(request.user, entry.agent):
        raise Forbidden("You can only change your own time.")
    return entry


@login_required
@require_GET
def entry_row(request: PageRequest, entry_id: int) -> HttpResponse:
    """One entry as shown in the week (what Cancel puts back after an inline edit)."""
    entry = time_entry_get(actor=request.user, entry_id=entry_id)
    tz = zone_of(entry.agent)
    if not request.htmx:
        return entry_history_page(request, entry, tz)
    context = {"entry": entry, "tz": str(tz), "can_edit": can_log_for(request.user, entry.agent)}
    return render(request, "timesheets/week/entry.html", context)


def entry_history_page(request: PageRequest, entry: TimeEntry, tz: Any) -> HttpResponse:
    """The entry with its audit history: who changed what, when, and why."""
    entry, history = selectors.time_entry_history(actor=request.user, entry_id=entry.pk)
    context = {
        "entry": entry,
        "history": history,
        "tz": str(tz),
        "week_url": week_url(request, entry.agent, monday_of(entry, tz)),
        # Exactly when the write-off service would accept it.
        "can_write_off": can_approve(request.user, entry.agent) and entry.is_billable,
    }
    return render(request, "timesheets/entry_history.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: PageRequest, entry_id: int) -> HttpResponse:
    """GET: the edit form (inline fragment, or a page without htmx). POST: save it."""
    entry = _entry_for_change(request, entry_id)
    if not entry.is_editable:
        raise Conflict(
            f"Time entry {entry.pk} is {entry.get_state_display().lower()} "
            "and cannot be edited now."
        )
    tz = zone_of(entry.agent)
    auto_id = f"e{entry.pk}_%s"
    status = 200
    if request.method == "POST":
        form = EntryForm(request.POST, tz=tz, entry=entry, auto_id=auto_id)
        saved, status = form_submit(
            form,
            lambda: tracking.time_entry_update(
                entry=entry, actor=request.user, changes=form.changes()
            ),
        )
        if saved is not None:
            messages.success(request, "Entry saved.")
            monday = monday_of(saved, tz)
            if request.htmx:
                return week_fragment(request, saved.agent, monday)
            return redirect(week_url(request, saved.agent, monday))
    else:
        form = EntryForm(tz=tz, entry=entry, auto_id=auto_id)
    context = {
        "entry": entry,
        "form": form,
        "tz": str(tz),
        "week_url": week_url(request, entry.agent, monday_of(entry, tz)),
    }
    response = render_page(
        request,
        "timesheets/entry_edit.html",
        "timesheets/partials/entry_edit.html",
        context,
        status=status,
    )
    if request.htmx and request.method == "POST":
        retarget(response, f"#entry-{entry.pk}")
        reswap(response, "outerHTML")
    return response


@login_required
@require_POST
def entry_delete(request: PageRequest, entry_id: int) -> HttpResponse:
    back_on_error(request, reverse("home"))
    entry = _entry_for_change(request, entry_id)
    agent, tz = entry.agent, zone_of(entry.agent)
    monday = monday_of(entry, tz)
    tracking.time_entry_delete(entry=entry, actor=request.user)
    messages.success(request, "Entry deleted.")
    if request.htmx:
        return week_fragment(request, agent, monday)
    return redirect(week_url(request, agent, monday))
