"""The approval queue: submissions waiting for a decision, with their entries and flags."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet

from tallyhour.accounts.models import Organisation, User, Workday
from tallyhour.accounts.permissions import approved_agent_ids, can_admin
from tallyhour.core import dates
from tallyhour.core.errors import NotFound
from tallyhour.timesheets.models import Submission
from tallyhour.timesheets.selectors import approval_queue
from tallyhour.timetracking.models import TimeEntry

# --- the approval queue with flags ------------------------------------------------------------

FLAG_LABELS = {
    "gap": "Gaps",
    "overlap": "Overlaps",
    "long": "Very long entry",
    "capped": "Capped timer",
    "outside_hours": "Outside working hours",
}


@dataclass
class QueueItem:
    """A submission waiting for a decision, with its entries and what deserves a look."""

    submission: Submission
    entries: list[TimeEntry]
    entry_flags: dict[int, list[str]]
    flags: list[str]

    @property
    def flag_labels(self) -> list[tuple[str, str]]:
        return [(flag, FLAG_LABELS[flag]) for flag in self.flags]

    def flags_of(self, entry: TimeEntry) -> list[str]:
        return self.entry_flags.get(entry.pk, [])


def _outside_hours(entry: TimeEntry, workdays: dict[int, Workday], tz: dt.tzinfo) -> bool:
    start, end = entry.started_at.astimezone(tz), entry.ended_at.astimezone(tz)
    workday = workdays.get(start.weekday())
    if workday is None:
        return True
    day_start = dt.datetime.combine(start.date(), workday.start, tzinfo=tz)
    day_end = dt.datetime.combine(start.date(), workday.end, tzinfo=tz)
    return start < day_start or end > day_end


def entry_flags(
    entries: list[TimeEntry], workdays: dict[int, Workday], tz: dt.tzinfo, long_seconds: int
) -> dict[int, list[str]]:
    """Per entry: overlaps, very long, capped timer, outside the agent's working hours."""
    flags: dict[int, list[str]] = defaultdict(list)
    latest: TimeEntry | None = None
    for entry in sorted(entries, key=lambda e: (e.started_at, e.pk)):
        if latest is not None and entry.started_at < latest.ended_at:
            flags[entry.pk].append("overlap")
            if "overlap" not in flags[latest.pk]:
                flags[latest.pk].append("overlap")
        if latest is None or entry.ended_at > latest.ended_at:
            latest = entry
        if entry.worked_seconds > long_seconds:
            flags[entry.pk].append("long")
        if entry.needs_review:
            flags[entry.pk].append("capped")
        if _outside_hours(entry, workdays, tz):
            flags[entry.pk].append("outside_hours")
    return dict(flags)


def approval_queue_items(actor: User, *, only: int | None = None) -> list[QueueItem]:
    """The approval queue with entries and flags, in a fixed number of queries."""
    queue = approval_queue(actor)
    if only is not None:
        queue = queue.filter(pk=only)
    return _queue_items(_with_entries_and_workdays(queue))


def _with_entries_and_workdays(submissions: QuerySet[Submission]) -> QuerySet[Submission]:
    """What flagging a submission reads: its entries (with names) and its agent's workdays."""
    entries = TimeEntry.objects.select_related("ticket", "ticket__client", "charge_type").order_by(
        "started_at", "id"
    )
    return submissions.select_related("agent__agent").prefetch_related(
        Prefetch("entries", queryset=entries), "agent__agent__workdays"
    )


def _queue_items(submissions: Iterable[Submission]) -> list[QueueItem]:
    long_seconds = Organisation.current().max_timer_hours * 3600
    items = []
    for submission in submissions:
        profile = getattr(submission.agent, "agent", None)
        workdays = {w.weekday: w for w in profile.workdays.all()} if profile else {}
        tz = dates.zone(profile.timezone if profile else "UTC")
        own = list(submission.entries.all())
        per_entry = entry_flags(own, workdays, tz, long_seconds)
        found = {flag for entry_flags_ in per_entry.values() for flag in entry_flags_}
        if submission.gap_seconds:
            found.add("gap")
        items.append(
            QueueItem(
                submission=submission,
                entries=own,
                entry_flags=per_entry,
                flags=[flag for flag in FLAG_LABELS if flag in found],
            )
        )
    return items


def approval_queue_page(
    actor: User, *, page_number: str | int | None, per_page: int
) -> tuple[Page[Submission], list[QueueItem]]:
    """One page of `actor`'s approval queue (oldest first), each submission with its flags,
    in a fixed number of queries however long the queue is."""
    page = Paginator(_with_entries_and_workdays(approval_queue(actor)), per_page).get_page(
        page_number
    )
    return page, _queue_items(page.object_list)


def _decided_by(actor: User) -> QuerySet[Submission]:
    """Every submission `actor` decides on, whatever its state (never their own)."""
    subs = Submission.objects.select_related("agent", "ticket", "decided_by")
    if not can_admin(actor):
        subs = subs.filter(agent__in=approved_agent_ids(actor).values("user_id"))
    return subs.exclude(agent=actor)


def approval_item(*, actor: User, submission_id: int) -> QueueItem:
    """One submission `actor` decides on (waiting or decided), with its entries and flags."""
    items = _queue_items(_with_entries_and_workdays(_decided_by(actor).filter(pk=submission_id)))
    if not items:
        raise NotFound(f"Submission {submission_id} not found.")
    return items[0]
