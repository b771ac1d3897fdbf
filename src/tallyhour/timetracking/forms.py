"""The forms that capture time on pages: a time entry as typed, and a new timer. Shared by
the timesheet pages (My week, a day, an entry's edit form) and the timer buttons."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from tallyhour.core.errors import DomainError
from tallyhour.core.forms import BILLABLE_CHOICES, parse_duration, tri_state
from tallyhour.core.templatetags.tally import hours
from tallyhour.servicedesk.forms import TicketField
from tallyhour.timetracking.models import ChargeType, TimeEntry
from tallyhour.timetracking.selectors import active_charge_types


class ChargeTypeChoices:
    """Active charge types read once for all the forms of one page (My week shows the
    add-entry and the timer forms together)."""

    def __init__(self) -> None:
        self._rows: list[tuple[Any, str]] | None = None

    def fill(self, field: "forms.ModelChoiceField[Any]") -> None:
        if self._rows is None:
            self._rows = [(ct.pk, field.label_from_instance(ct)) for ct in field.queryset or []]
        # Plain options: a ModelChoiceField would query its queryset again for every rendering.
        field.choices = [("", field.empty_label or ""), *self._rows]


def _ticket_field() -> TicketField:
    return TicketField(required=False, help_text="Empty for internal activity")


def _charge_type_field(help_text: str = "") -> "forms.ModelChoiceField[ChargeType]":
    """The charge-type select, empty for the default; filled per form by `_set_charge_types`."""
    return forms.ModelChoiceField(
        queryset=ChargeType.objects.none(),
        required=False,
        label="Charge type",
        empty_label="Default",
        help_text=help_text,
    )


def _set_charge_types(form: forms.Form, shared: ChargeTypeChoices | None) -> None:
    """The charge-type select is filled when the form is built, not at import."""
    field = form.fields["charge_type"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = active_charge_types()  # what a submitted value is checked against
    if shared is not None:
        shared.fill(field)


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
    ticket = _ticket_field()
    charge_type = _charge_type_field("Default: the ticket's, else yours")
    billable = forms.ChoiceField(
        required=False, choices=BILLABLE_CHOICES, help_text="Default: as the charge type says"
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        tz: ZoneInfo,
        entry: TimeEntry | None = None,
        choices: ChargeTypeChoices | None = None,
        **kwargs: Any,
    ) -> None:
        self.tz = tz
        self.entry = entry
        if entry is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(entry, tz)
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        _set_charge_types(self, choices)
        ticket_field = self.fields["ticket"]
        assert isinstance(ticket_field, TicketField)
        ticket_field.know(entry.ticket if entry is not None else None)

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
        return tri_state(self.cleaned_data.get("billable"))

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

    ticket = _ticket_field()
    charge_type = _charge_type_field()
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args: Any, choices: ChargeTypeChoices | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "timer_%s")
        super().__init__(*args, **kwargs)
        _set_charge_types(self, choices)


LOG_AS_CHOICES = [
    ("action", "A note on the ticket"),
    ("entry", "A time entry only"),
]


class TimerStopForm(forms.Form):
    """The stop dialog: what the timer's time becomes, like a PSA's "stop and log".

    The time comes filled in with what the timer counted; left as offered, the timer's own
    count (to the second) is logged, edited it is logged as typed.
    """

    time = forms.CharField(
        max_length=16,
        required=False,
        label="Time to log",
        help_text="What the timer counted; correct it if it is wrong (0:25, 25m, 0.5h).",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    offered = forms.CharField(required=False, widget=forms.HiddenInput)
    log_as = forms.ChoiceField(
        choices=LOG_AS_CHOICES,
        initial="action",
        required=False,  # a bare stop (an older page, a script) logs an entry
        widget=forms.RadioSelect,
        label="Log it as",
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        label="What did you do?",
        # What the person types first; the dialog focuses it when it opens (showModal).
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
    )
    client_visible = forms.BooleanField(
        required=False, label="Show this note to the client (portal)"
    )

    def __init__(self, *args: Any, has_ticket: bool, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "stop_%s")
        super().__init__(*args, **kwargs)
        if not has_ticket:
            # Time on an activity (a meeting, travel) has no ticket to write a note on.
            del self.fields["log_as"], self.fields["client_visible"]

    def clean_time(self) -> int | None:
        return parse_duration(self.cleaned_data.get("time", ""))

    def seconds(self) -> int | None:
        """None (log what the timer counted) unless the person changed the offered time."""
        typed = (self.data.get("time") or "").strip()
        if typed == (self.cleaned_data.get("offered") or "").strip():
            return None
        minutes = self.cleaned_data.get("time")
        return 0 if minutes is None else minutes * 60

    @property
    def as_action(self) -> bool:
        return self.cleaned_data.get("log_as") == "action"
