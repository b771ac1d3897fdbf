"""Small template helpers for the timesheets pages."""

from html import escape as _e
from typing import Any

from django import template
from django.template import Context
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from tallyhour.core import dates
from tallyhour.core.templatetags.tally import hours
from tallyhour.timesheets.selectors import FLAG_LABELS, GridRow
from tallyhour.timetracking.models import EntrySource, EntryState, TimeEntry

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return (mapping or {}).get(key)


@register.filter
def flag_label(flag: str) -> str:
    return FLAG_LABELS.get(flag, flag)


ACTION_LABELS = {
    "time_entry.create": "Created",
    "time_entry.update": "Edited",
    "time_entry.delete": "Deleted",
    "time_entry.submit": "Submitted",
    "time_entry.recall": "Recalled",
    "time_entry.approve": "Approved",
    "time_entry.reject": "Returned to the agent",
    "time_entry.reopen": "Reopened",
    "time_entry.write_off": "Written off",
}


@register.filter
def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action.replace("_", " ").replace(".", ": "))


# --- one time entry as a row of My week or a day ----------------------------------------------
# A week can hold hundreds of entries; built here, a row costs a few microseconds instead of the
# ~300 µs of an included template (four {% url %}, a {% timezone %} block and localised
# numbers per row). The markup is the one `partials/entry_row.html` used to hold.

_URL_SENTINEL = 987654321
_ROW = (
    '<li class="entry entry--{state}" id="entry-{pk}">'
    '<div class="entry__time">{start}–{end}</div>'
    '<div class="entry__what"><div class="entry__title">{title}</div>'
    '<div class="entry__meta">{meta}</div>{note}{reason}</div>'
    '<div class="entry__duration">{duration}</div>'
    '<div class="entry__actions">'
    '<a class="btn btn--small btn--ghost" href="{history_url}">History'
    '<span class="sr-only"> of entry {start}</span></a>{actions}</div></li>'
)
_ACTIONS = (
    '<a class="btn btn--small btn--ghost" href="{edit_url}" hx-get="{edit_url}" '
    'hx-target="#entry-{pk}" hx-swap="outerHTML">Edit<span class="sr-only"> entry {start}</span>'
    "</a>"
    '<form method="post" action="{delete_url}" class="inline-form" hx-post="{delete_url}" '
    'hx-target="#week" hx-swap="outerHTML" hx-confirm="Delete this entry?" '
    'data-confirm="Delete this entry?">{csrf}'
    '<button type="submit" class="btn btn--small btn--ghost">Delete'
    '<span class="sr-only"> entry {start}</span></button></form>'
)
# A state's badge, escaped once: states are a closed set (the database checks it).
_STATE_BADGES = {
    state: f'<span class="badge badge--{_e(state)}">{_e(label)}</span>'
    for state, label in EntryState.choices
}


def _row_tools(context: Context) -> dict[str, Any]:
    """What every row of one rendering shares: URL shapes, the zone, the CSRF field."""
    tools = context.render_context.get("entry_row_tools")
    if tools is None:
        tz = context.get("tz") or "UTC"
        week = context.get("week")
        csrf = context.get("csrf_token")
        tools = {
            "tz": dates.zone(tz) if isinstance(tz, str) else tz,
            "can_edit": bool(context.get("can_edit")),
            "week_reason": week.submission.reason if week and week.submission else None,
            "csrf": CsrfTokenNode().render(context) if csrf else "",
            # Escaped once: a row only puts its id's digits in.
            "urls": {
                name: _e(reverse(f"timesheets:{name}", args=[_URL_SENTINEL]))
                for name in ("time_entry_row", "time_entry_edit", "time_entry_delete")
            },
            "titles": {},  # (ticket, charge type) -> (title, meta), built once per ticket
        }
        context.render_context["entry_row_tools"] = tools
    return tools


def _url(tools: dict[str, Any], name: str, pk: int) -> str:
    return tools["urls"][name].replace(str(_URL_SENTINEL), str(pk))


def _title_and_meta(tools: dict[str, Any], entry: TimeEntry) -> tuple[str, str]:
    """The escaped title and ticket markup of an entry, shared by its ticket's other entries."""
    key = (entry.ticket_id, entry.charge_type_id)
    found = tools["titles"].get(key)
    if found is None:
        charge = _e(entry.charge_type.name)
        if ticket := entry.ticket:
            title = _e(f"#{ticket.pk} {ticket.summary}")
            found = (title, f"<span>{_e(ticket.client.name)}</span><span>{charge}</span>")
        else:
            found = (charge, "")
        tools["titles"][key] = found
    return found


def _clock(moment: Any, tz: Any) -> str:
    local = moment.astimezone(tz)
    return f"{local.hour:02d}:{local.minute:02d}"


@register.simple_tag(takes_context=True)
def entry_row(context: Context, entry: TimeEntry) -> SafeString:
    """`<li>` for one entry: time, what, badges, note, duration, and History/Edit/Delete."""
    tools = _row_tools(context)
    tz = tools["tz"]
    start, end = _clock(entry.started_at, tz), _clock(entry.ended_at, tz)
    title, meta = _title_and_meta(tools, entry)
    badges = [meta]
    if entry.is_billable:
        badges.append('<span class="badge badge--billable">Billable</span>')
    else:
        badges.append('<span class="badge">Non-billable</span>')
    badges.append(_STATE_BADGES[entry.state])
    if entry.invoice_line_id:
        badges.append('<span class="badge badge--paid">Invoiced</span>')
    if entry.needs_review:
        badges.append('<span class="badge badge--review">Needs review</span>')
    if entry.source == EntrySource.TIMER:
        badges.append("<span>from timer</span>")
    note = f'<div class="entry__note">{_e(entry.note)}</div>' if entry.note else ""
    reason = ""
    if (
        entry.state == EntryState.REJECTED
        and entry.rejection_reason
        and entry.rejection_reason != tools["week_reason"]
    ):
        reason = f'<div class="entry__reason">Rejected: {_e(entry.rejection_reason)}</div>'
    actions = ""
    if tools["can_edit"] and entry.is_editable:
        actions = _ACTIONS.format(
            edit_url=_url(tools, "time_entry_edit", entry.pk),
            delete_url=_url(tools, "time_entry_delete", entry.pk),
            pk=entry.pk,
            start=start,
            csrf=tools["csrf"],
        )
    # Every value above went through _e() or is a constant, digits or a time.
    return mark_safe(  # noqa: S308
        _ROW.format(
            state=_e(entry.state),
            pk=entry.pk,
            start=start,
            end=end,
            title=title,
            meta="".join(badges),
            note=note,
            reason=reason,
            duration=hours(entry.worked_seconds),
            history_url=_url(tools, "time_entry_row", entry.pk),
            actions=actions,
        )
    )


@register.simple_tag
def grid_cells(row: GridRow) -> SafeString:
    """A week-grid row's seven day cells and its total: digits and markup only, built here
    because a week of 30 tickets made the template evaluate ~600 tags for them."""
    cells = "".join(
        f'<td class="num">{hours(seconds)}</td>' if seconds else '<td class="num muted">·</td>'
        for seconds in row.cells
    )
    total = f'<td class="num"><strong>{hours(row.total_seconds)}</strong></td>'
    return mark_safe(cells + total)  # noqa: S308
