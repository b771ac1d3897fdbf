"""The shape of a ticket's custom fields: {name: text, number, true/false or null}, as
integrations send them. One rule for every path that writes them (native API, Halo, pages)."""

import math
from typing import Any

MAX_CUSTOM_FIELDS = 100
NAME_LENGTH = 100
TEXT_LENGTH = 4000


def custom_fields_problem(fields: Any) -> str | None:
    """What is wrong with `fields` as a ticket's custom fields, or None when nothing is."""
    if not isinstance(fields, dict):
        return "custom fields are names with their values"
    if len(fields) > MAX_CUSTOM_FIELDS:
        return f"at most {MAX_CUSTOM_FIELDS} custom fields"
    for name, value in fields.items():
        if not isinstance(name, str) or not name.strip() or len(name) > NAME_LENGTH:
            return f"each name is 1 to {NAME_LENGTH} characters (not {str(name)[:40]!r})"
        if not isinstance(value, str | int | float | bool | None):
            return f"{name!r} must be text, a number, true, false or null"
        # PostgreSQL cannot store NUL in text, JSON included.
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            return f"{name!r} must not contain NUL characters"
        if isinstance(value, str) and len(value) > TEXT_LENGTH:
            return f"{name!r} is longer than {TEXT_LENGTH} characters"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{name!r} must be a finite number"
    return None
