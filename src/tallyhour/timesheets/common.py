"""What the submission services (submitting in `services`, deciding in `approvals`) share: the
row lock, the audited fields, the totals and the webhook event."""

from django.db.models import Sum

from tallyhour.core import dates
from tallyhour.core.events import event_emit
from tallyhour.timesheets.models import Submission
from tallyhour.timetracking.models import EntryState

SUBMISSION_FIELDS = [
    "agent",
    "kind",
    "week_start",
    "ticket",
    "state",
    "decided_by",
    "decided_at",
    "reason",
    "comment",
]


def submission_lock(submission: Submission) -> Submission:
    """The submission re-read under a row lock, with its agent and ticket."""
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("agent", "ticket")
        .get(pk=submission.pk)
    )


def submission_totals_refresh(submission: Submission) -> None:
    """Totals count the entries still in the submission (returned ones drop out)."""
    totals = submission.entries.exclude(state=EntryState.REJECTED).aggregate(
        w=Sum("worked_seconds"), b=Sum("billable_seconds")
    )
    submission.total_seconds, submission.billable_seconds = totals["w"] or 0, totals["b"] or 0
    submission.save(update_fields=["total_seconds", "billable_seconds"])


def submission_event_emit(event: str, submission: Submission) -> None:
    """Queue a webhook for the submission's new state (inside the caller's transaction)."""
    event_emit(
        event,
        {
            "id": submission.pk,
            "agent_id": submission.agent_id,
            "kind": submission.kind,
            "week": dates.format_week(submission.week_start) if submission.week_start else None,
            "ticket_id": submission.ticket_id,
            "state": submission.state,
            "worked_seconds": submission.total_seconds,
            "billable_seconds": submission.billable_seconds,
            "gap_seconds": submission.gap_seconds,
            "reason": submission.reason,
        },
    )
