"""Approvals: the queue of submissions, approve (one or many), reject (all or some entries),
write off billable time, reopen an approved submission."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from tallyhour.accounts.models import User
from tallyhour.accounts.permissions import can_use_approvals
from tallyhour.accounts.requests import PageRequest
from tallyhour.core import dates
from tallyhour.core.errors import Forbidden, InvalidInput, NotFound
from tallyhour.core.htmx import done, safe_next
from tallyhour.core.pageerrors import back_on_error, errors_as_page
from tallyhour.core.templatetags.tally import hours
from tallyhour.timesheets import queue as approval_queue
from tallyhour.timesheets import selectors, services
from tallyhour.timesheets.forms import RejectForm, ReopenForm, WriteOffForm
from tallyhour.timesheets.models import Submission
from tallyhour.timetracking.selectors import time_entry_get


def _queue_item(user: User, submission_id: int) -> approval_queue.QueueItem | None:
    return next(iter(approval_queue.approval_queue_items(user, only=submission_id)), None)


def _back_to_queue(request: PageRequest) -> str:
    back = reverse("timesheets:approvals")
    back_on_error(request, back)
    return back


# A page of the queue fits a screen or two as one compact row per submission; each row
# opens the submission's own page with its entries.
SUBMISSIONS_PER_PAGE = 25


def _check_approvals_page(user: User) -> None:
    if not can_use_approvals(user):
        raise Forbidden("Approvals are for approvers and admins.")


@login_required
@require_GET
@errors_as_page
def approvals(request: PageRequest) -> HttpResponse:
    _check_approvals_page(request.user)
    page, queue = approval_queue.approval_queue_page(
        request.user, page_number=request.GET.get("page"), per_page=SUBMISSIONS_PER_PAGE
    )
    context = {
        "page": page,
        "queue": queue,
        "approved": selectors.reopenable_submissions(request.user),
    }
    return render(request, "timesheets/approvals.html", context)


@login_required
@require_GET
@errors_as_page
def approval_detail(request: PageRequest, submission_id: int) -> HttpResponse:
    """One submission with its entries: approve, reject (all or ticked entries), write off,
    or reopen once approved."""
    _check_approvals_page(request.user)
    item = approval_queue.approval_item(actor=request.user, submission_id=submission_id)
    context = {"item": item, "reject_form": RejectForm()}
    return render(request, "timesheets/approval_detail.html", context)


def _scope(submission: Submission) -> str:
    if submission.week_start is not None:
        return f"week {dates.format_week(submission.week_start)}"
    return f"time on ticket #{submission.ticket_id}"


def _decided(request: PageRequest, submission: Submission, message: str) -> HttpResponse:
    if request.htmx:
        return render(
            request,
            "timesheets/partials/approval_decided.html",
            {"submission": submission, "message": message},
        )
    return done(request, message, reverse("timesheets:approvals"))


def _card(
    request: PageRequest,
    submission_id: int,
    *,
    form: forms.Form | None = None,
    status: int = 200,
    message: str = "",
) -> HttpResponse:
    item = _queue_item(request.user, submission_id)
    if item is None:
        raise NotFound("This submission is no longer waiting.")
    if message:
        messages.success(request, message)
    context = {"item": item, "reject_form": form or RejectForm(), "oob_messages": bool(message)}
    return render(request, "timesheets/partials/approval_card.html", context, status=status)


@login_required
@require_POST
def approve(request: PageRequest, submission_id: int) -> HttpResponse:
    _back_to_queue(request)
    submission = selectors.submission_get(actor=request.user, submission_id=submission_id)
    submission = services.submission_approve(submission=submission, actor=request.user)
    return _decided(
        request, submission, f"Approved {submission.agent.display_name}'s {_scope(submission)}."
    )


@login_required
@require_POST
def bulk_approve(request: PageRequest) -> HttpResponse:
    back = _back_to_queue(request)
    ids = [int(v) for v in request.POST.getlist("submission_ids") if v.isdigit()]
    chosen = list(selectors.approval_queue(request.user).filter(pk__in=ids))
    if len(chosen) != len(set(ids)):
        raise NotFound("Some of these submissions are no longer waiting for you.")
    approved = services.submissions_bulk_approve(submissions=chosen, actor=request.user)
    if request.htmx:
        messages.success(request, f"Approved {len(approved)} submissions.")
        return HttpResponseClientRedirect(back)
    plural = "" if len(approved) == 1 else "s"
    return done(request, f"Approved {len(approved)} submission{plural}.", back)


@login_required
@require_POST
def reject(request: PageRequest, submission_id: int) -> HttpResponse:
    """Reject the whole submission, or (scope=selected) return the ticked entries."""
    back = _back_to_queue(request)
    form = RejectForm(request.POST)
    selected = request.POST.get("scope") == "selected"
    if not form.is_valid():
        if request.htmx:
            return _card(request, submission_id, form=form, status=422)
        raise InvalidInput("Give a reason for the rejection.", fields={"reason": "required"})
    reason = form.cleaned_data["reason"]
    submission = selectors.submission_get(actor=request.user, submission_id=submission_id)
    if selected:
        ids = [int(v) for v in request.POST.getlist("entry_ids") if v.isdigit()]
        entries = list(submission.entries.filter(pk__in=ids))
        submission = services.submission_reject_entries(
            submission=submission, entries=entries, actor=request.user, reason=reason
        )
    else:
        submission = services.submission_reject(
            submission=submission, actor=request.user, reason=reason
        )
    name = submission.agent.display_name
    if selected and submission.state == "submitted":
        message = f"Rejected {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} of {name}."
        if request.htmx:
            return _card(request, submission.pk, message=message)
        return done(request, message, back)
    return _decided(
        request,
        submission,
        f"Rejected {name}'s {_scope(submission)}; the entries are back with them.",
    )


@login_required
@require_POST
def write_off(request: PageRequest, entry_id: int) -> HttpResponse:
    back = reverse("timesheets:approvals")
    # Back to the page the form was on (the queue, or the entry's history).
    back_on_error(request, safe_next(request, back))
    form = WriteOffForm(request.POST)
    entry = time_entry_get(actor=request.user, entry_id=entry_id)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise InvalidInput(" ".join(str(e) for e in errors), fields={field: "invalid"})
    entry = services.time_entry_write_off(
        entry=entry,
        actor=request.user,
        billable_seconds=form.cleaned_data["billable"],
        reason=form.cleaned_data["reason"],
    )
    message = (
        f"Entry {entry.pk}: billing {hours(entry.billable_seconds)} of "
        f"{hours(entry.worked_seconds)} worked."
    )
    if request.htmx and entry.submission_id and entry.state == "submitted":
        return _card(request, entry.submission_id, message=message)
    if request.htmx:
        messages.success(request, message)
        return HttpResponseClientRedirect(reverse("timesheets:time_entry_row", args=[entry.pk]))
    return done(request, message, safe_next(request, back))


@login_required
@require_POST
def reopen(request: PageRequest, submission_id: int) -> HttpResponse:
    back = _back_to_queue(request)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("Give a reason for reopening.", fields={"reason": "required"})
    submission = selectors.submission_get(actor=request.user, submission_id=submission_id)
    submission = services.submission_reopen(
        submission=submission, actor=request.user, reason=form.cleaned_data["reason"]
    )
    return done(
        request,
        f"Reopened {submission.agent.display_name}'s {_scope(submission)}; it waits for a "
        "new decision.",
        back,
    )
