"""Timer buttons (start, pause, resume, stop) and the forms that capture time on pages."""

import datetime as dt
from collections.abc import Iterable, Iterator
from html import escape as _e
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from tallyhour.accounts.requests import PageRequest
from tallyhour.core.errors import DomainError, InvalidInput
from tallyhour.core.forms import BILLABLE_CHOICES, parse_duration
from tallyhour.core.htmx import done, error_response, safe_next
from tallyhour.core.templatetags.tally import hours
from tallyhour.servicedesk.models import Ticket, TicketStatus
from tallyhour.timetracking import services
from tallyhour.timetracking.models import ChargeType, TimeEntry
from tallyhour.timetracking.selectors import active_charge_types, timer_get

TICKET_CHOICES_LIMIT = 500
# (id, summary, client name): plain rows, as a select needs nothing else of a ticket.
_TicketOption = tuple[int, str, str]


def _open_tickets() -> list[_TicketOption]:
    return list(
        Ticket.objects.exclude(status=TicketStatus.CLOSED)
        .order_by("client__name", "-id")
        .values_list("id", "summary", "client__name")[:TICKET_CHOICES_LIMIT]
    )


def _attrs(attrs: dict[str, Any]) -> str:
    """HTML attributes as Django's widget attrs template writes them."""
    out = []
    for key, value in attrs.items():
        if value is True:
            out.append(f" {key}")
        elif value is not False and value is not None:
            out.append(f' {key}="{_e(str(value))}"')
    return "".join(out)


class Normalised(BaseChoiceIterator):
    """Choices built here in the shape Django normalises them to ((value, label) pairs, groups
    as (label, pairs)): assigned to a field as they are, instead of Django walking every one of
    up to 1,000 options again (~10 ms of My week). Keeps its options' markup per selection, so
    the forms of one page sharing these choices write them once."""

    def __init__(self, choices: list[Any]):
        self.choices = choices
        self.markup: dict[tuple[str, ...], str] = {}

    def __iter__(self) -> Iterator[Any]:
        return iter(self.choices)


def _options_markup(choices: Iterable[Any], selected: tuple[str, ...]) -> str:
    """The <option>s and <optgroup>s as Django's select template writes them: only the first
    option matching a selected value is marked."""
    parts = []
    marked = False

    def option(value: Any, label: Any) -> str:
        nonlocal marked
        chosen = not marked and str(value) in selected
        marked = marked or chosen
        flag = " selected" if chosen else ""
        return f'\n  <option value="{_e(str(value))}"{flag}>{_e(str(label))}</option>'

    for value, label in choices:
        if isinstance(label, list | tuple):
            if value:
                parts.append(f'\n  <optgroup label="{_e(str(value))}">')
            parts.extend(option(v, text) for v, text in label)
            if value:
                parts.append("\n  </optgroup>")
        else:
            parts.append(option(value, label))
    return "".join(parts)


class OptionsSelect(forms.Select):
    """A <select> written in Python, same markup as Django's.

    Django renders every option with its own template (about 20 µs each) after building a
    dict for each; My week shows two selects of up to 500 tickets, which took longer than the
    rest of the page."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        selected = tuple(self.format_value(value))
        choices = self.choices
        cache = choices.markup if isinstance(choices, Normalised) else {}
        if selected not in cache:
            cache[selected] = _options_markup(choices, selected)
        tag = f'<select name="{_e(name)}"{_attrs(self.build_attrs(self.attrs, attrs))}>'
        return mark_safe(f"{tag}{cache[selected]}\n</select>")  # noqa: S308 (all escaped above)


def ticket_choices(
    include: list[Ticket] | None = None, open_tickets: list[_TicketOption] | None = None
) -> list[Any]:
    """Open tickets grouped by client for a <select>, plus any tickets the form must keep."""
    rows = list(_open_tickets() if open_tickets is None else open_tickets)
    known = {pk for pk, _, _ in rows}
    rows += [
        (t.pk, t.summary, t.client.name)
        for t in include or []
        if t is not None and t.pk not in known
    ]
    groups: dict[str, list[tuple[str, str]]] = {}
    for pk, summary, client in sorted(rows, key=lambda r: (r[2], -r[0])):
        groups.setdefault(client, []).append((str(pk), f"#{pk} {summary}"))
    return [("", "No ticket (internal activity)"), *groups.items()]


def _ticket_from(value: str) -> Ticket | None:
    if not value:
        return None
    ticket = Ticket.objects.filter(pk=value).select_related("client").first()
    if ticket is None:
        raise forms.ValidationError("This ticket no longer exists.")
    return ticket


class FormChoices:
    """Open tickets and active charge types read once for all the forms of one page.

    My week shows the add-entry and the timer forms together; without this each form read
    both lists again."""

    def __init__(self) -> None:
        self._tickets: list[_TicketOption] | None = None
        self._open: Normalised | None = None
        self._charge_types: list[tuple[Any, Any]] | None = None
        self._charge_choices: dict[str, Normalised] = {}  # by the form's empty label

    def tickets(self, keep: list[Ticket]) -> Normalised:
        if self._tickets is None:
            self._tickets = _open_tickets()
        if keep:
            return Normalised(ticket_choices(keep, self._tickets))
        if self._open is None:  # one object for every form keeping nothing: rendered once
            self._open = Normalised(ticket_choices([], self._tickets))
        return self._open

    def charge_types(self, field: forms.ModelChoiceField) -> Normalised:
        if self._charge_types is None:
            self._charge_types = [
                (ct.pk, field.label_from_instance(ct)) for ct in field.queryset or []
            ]
        empty = str(field.empty_label or "")
        if empty not in self._charge_choices:
            self._charge_choices[empty] = Normalised([("", empty), *self._charge_types])
        return self._charge_choices[empty]


def _set_choices(form: forms.Form, keep: list[Ticket], shared: FormChoices | None) -> None:
    """Fill the ticket and charge-type selects when the form is built, not at import."""
    ticket_field = form.fields["ticket"]
    charge_field = form.fields["charge_type"]
    assert isinstance(ticket_field, forms.ChoiceField)
    assert isinstance(charge_field, forms.ModelChoiceField)
    charge_field.queryset = active_charge_types()  # what a submitted value is checked against
    if shared is None:
        ticket_field.choices = Normalised(ticket_choices(keep))
        return
    ticket_field.choices = shared.tickets(keep)
    # Plain options: a ModelChoiceField would query its queryset again for every rendering.
    charge_field.choices = shared.charge_types(charge_field)


class EntryForm(forms.Form):
    """A time entry as typed on a page: local date and time in the agent's zone."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration = forms.CharField(
        required=False,
        max_length=16,
        help_text="e.g. 1:30, 90m or 1.5h",
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "1:30"}
        ),
    )
    end = forms.TimeField(
        required=False,
        label="or end time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    ticket = forms.ChoiceField(required=False, choices=(), widget=OptionsSelect)
    charge_type = forms.ModelChoiceField(
        queryset=ChargeType.objects.none(),
        required=False,
        label="Charge type",
        empty_label="Default",
        help_text="Default: the ticket's, else yours",
        widget=OptionsSelect,
    )
    billable = forms.ChoiceField(
        required=False, choices=BILLABLE_CHOICES, help_text="Default: as the charge type says"
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        tz: ZoneInfo,
        entry: TimeEntry | None = None,
        choices: FormChoices | None = None,
        **kwargs: Any,
    ) -> None:
        self.tz = tz
        self.entry = entry
        if entry is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(entry, tz)
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        keep = [entry.ticket] if entry is not None and entry.ticket is not None else []
        _set_choices(self, keep, choices)

    @staticmethod
    def initial_for(entry: TimeEntry, tz: ZoneInfo) -> dict[str, Any]:
        start = entry.started_at.astimezone(tz)
        return {
            "date": start.date(),
            # Whole minutes, so an untouched field counts as unchanged (see changes()).
            "start": start.time().replace(second=0, microsecond=0),
            "duration": hours(entry.worked_seconds),
            "ticket": str(entry.ticket_id or ""),
            "charge_type": entry.charge_type_id,
            "billable": "yes" if entry.is_billable else "no",
            "note": entry.note,
        }

    def clean_duration(self) -> int | None:
        return parse_duration(self.cleaned_data.get("duration", ""))

    def clean_ticket(self) -> Ticket | None:
        return _ticket_from(self.cleaned_data.get("ticket", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        duration, end = data.get("duration"), data.get("end")
        editing_both = self.entry is not None and {"duration", "end"} <= set(self.changed_data)
        if duration is None and end is None:
            self.add_error("duration", "Give a duration or an end time.")
        elif duration is not None and end is not None and (self.entry is None or editing_both):
            self.add_error("end", "Give a duration or an end time, not both.")
        if end is not None and data.get("start") is not None and end <= data["start"]:
            self.add_error(
                "end", "End must be after start; for work past midnight give a duration."
            )
        return data

    def local(self, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(self.cleaned_data["date"], time, tzinfo=self.tz)

    @property
    def is_billable(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("billable") or "")

    def create_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "started_at": self.local(data["start"]),
            "ticket": data.get("ticket"),
            "charge_type": data.get("charge_type"),
            "is_billable": self.is_billable,
            "note": data.get("note", ""),
        }
        if data.get("end") is not None:
            kwargs["ended_at"] = self.local(data["end"])
        else:
            kwargs["duration_minutes"] = data["duration"]
        return kwargs

    def changes(self) -> dict[str, Any]:
        """Only what the person changed, so an untouched timer entry keeps its exact seconds."""
        assert self.entry is not None
        data, changed = self.cleaned_data, set(self.changed_data)
        result: dict[str, Any] = {}
        new_start = self.local(data["start"]) if changed & {"date", "start"} else None
        if new_start is not None:
            result["started_at"] = new_start
        if "end" in changed and data.get("end") is not None:
            result["ended_at"] = self.local(data["end"])
        elif "duration" in changed:
            result["duration_minutes"] = data["duration"]
        elif new_start is not None:
            # Moving an entry keeps its length.
            result["ended_at"] = new_start + dt.timedelta(seconds=self.entry.worked_seconds)
        if "ticket" in changed:
            result["ticket"] = data.get("ticket")
        if "charge_type" in changed and data.get("charge_type") is not None:
            result["charge_type"] = data["charge_type"]
        if "billable" in changed or "charge_type" in changed:
            result["is_billable"] = self.is_billable
        if "note" in changed:
            result["note"] = data.get("note", "")
        return result

    def add_domain_error(self, error: DomainError) -> None:
        self.add_error(None, error.message)


class TimerStartForm(forms.Form):
    """What a new timer runs against: a ticket, or an activity (charge type)."""

    ticket = forms.ChoiceField(required=False, choices=(), widget=OptionsSelect)
    charge_type = forms.ModelChoiceField(
        queryset=ChargeType.objects.none(),
        required=False,
        label="Charge type",
        empty_label="Default",
        widget=OptionsSelect,
    )
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args: Any, choices: FormChoices | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "timer_%s")
        super().__init__(*args, **kwargs)
        _set_choices(self, [], choices)

    def clean_ticket(self) -> Ticket | None:
        return _ticket_from(self.cleaned_data.get("ticket", ""))


def _home(request: PageRequest) -> str:
    return safe_next(request, reverse("home"))


def _timer_label(timer: Any) -> str:
    if timer.ticket_id:
        return f"#{timer.ticket_id} {timer.ticket.summary}"
    return timer.charge_type.name if timer.charge_type_id else "the timer"


@login_required
@require_POST
def timer_start(request: PageRequest) -> HttpResponse:
    back = _home(request)
    form = TimerStartForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return error_response(request, InvalidInput(errors), back_to=back)
    try:
        timer = services.timer_start(
            agent=request.user,
            actor=request.user,
            ticket=form.cleaned_data["ticket"],
            charge_type=form.cleaned_data["charge_type"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    return done(request, f"Timer started for {_timer_label(timer)}.", back)


@login_required
@require_POST
def timer_stop(request: PageRequest, timer_id: int) -> HttpResponse:
    back = _home(request)
    try:
        timer = timer_get(actor=request.user, timer_id=timer_id)
        label = _timer_label(timer)
        entry = services.timer_stop(timer=timer, actor=request.user)
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    if entry is None:
        return done(request, f"Stopped {label}; under a second, so nothing was logged.", back)
    worked = entry.worked_seconds
    shown = hours(worked, "long") if worked < 60 else hours(worked)
    return done(request, f"Logged {shown} to {label}.", back)


@login_required
@require_POST
def timer_pause(request: PageRequest, timer_id: int) -> HttpResponse:
    back = _home(request)
    try:
        timer = services.timer_pause(
            timer=timer_get(actor=request.user, timer_id=timer_id), actor=request.user
        )
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    return done(request, f"Paused {_timer_label(timer)}.", back)


@login_required
@require_POST
def timer_resume(request: PageRequest, timer_id: int) -> HttpResponse:
    back = _home(request)
    try:
        timer = services.timer_resume(
            timer=timer_get(actor=request.user, timer_id=timer_id), actor=request.user
        )
    except DomainError as exc:
        return error_response(request, exc, back_to=back)
    return done(request, f"Resumed {_timer_label(timer)}.", back)
