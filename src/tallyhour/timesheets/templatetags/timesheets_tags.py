"""Small template helpers for the timesheets pages."""

from typing import Any

from django import template

from tallyhour.timesheets.queue import FLAG_LABELS

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
    "time_entry.reject": "Rejected (back to the agent)",
    "time_entry.reopen": "Reopened",
    "time_entry.write_off": "Written off",
}


@register.filter
def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action.replace("_", " ").replace(".", ": "))
