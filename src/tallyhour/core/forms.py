"""Form parsing and choices shared by pages of several apps."""

import re
from decimal import Decimal, InvalidOperation

from django import forms

# A tri-state for "is this time billable": the charge type decides unless the person does.
BILLABLE_CHOICES = [("", "Default"), ("yes", "Billable"), ("no", "Not billable")]

_HOURS_MINUTES = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_UNITS = re.compile(r"^(?:(\d+(?:[.,]\d+)?)h)?(?:(\d+)(?:m|min)?)?$")


def parse_duration(text: str) -> int | None:
    """Minutes from `1:30`, `90`, `90m`, `1.5h`, `1h 30m` or `1.5`; None when empty.

    A bare whole number is minutes and a bare decimal is hours, which is how people
    type durations on timesheets ("45" vs "1.5").
    """
    text = (text or "").strip().lower().replace(" ", "")
    if not text:
        return None
    match = _HOURS_MINUTES.match(text)
    if match:
        return int(match[1]) * 60 + int(match[2])
    if text.isdigit():
        return int(text)
    try:
        if re.fullmatch(r"\d+[.,]\d+", text):
            return round(Decimal(text.replace(",", ".")) * 60)
        match = _UNITS.match(text)
        if match and (match[1] or match[2]):
            hours_part = Decimal((match[1] or "0").replace(",", "."))
            return round(hours_part * 60) + int(match[2] or 0)
    except InvalidOperation:
        pass
    raise forms.ValidationError("Use h:mm (1:30), minutes (90) or hours (1.5h).")
