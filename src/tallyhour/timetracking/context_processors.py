"""Values every page header needs: the running timer and the count of unread notices."""

from typing import Any

from django.http import HttpRequest

from tallyhour.timetracking.selectors import page_header


def header(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    found = page_header(user.pk)
    if found is None:
        return {}
    return {"header_timer": found.timer, "unread_notices": found.unread_notices}
