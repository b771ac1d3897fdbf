"""Values every page header needs: who is signed in and their running timer."""

from typing import Any

from django.http import HttpRequest

from tallyhour.timetracking.models import Timer, TimerState


def header(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    timer = (
        Timer.objects.select_related("ticket", "charge_type")
        .filter(agent=user, state=TimerState.RUNNING)
        .first()
    )
    return {"header_timer": timer}
