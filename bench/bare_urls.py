"""The floors the app's figures are compared with, on the same server, database and middleware:
`api/insert` (one view, one INSERT, for the API figures) and `bare/week` (one query, one
minimal template, for My week)."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from tallyhour.core import dates
from tallyhour.core.models import Notice
from tallyhour.timetracking.models import TimeEntry

# Compiled once, as the cached template loader does for the app's templates.
WEEK = engines["django"].from_string((Path(__file__).parent / "bare_week.html").read_text())


@csrf_exempt
def insert(request: HttpRequest) -> JsonResponse:
    table = Notice._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("user_id", "text", "url", "created_at") '  # noqa: S608
            "VALUES (%s, %s, '', %s)",
            [int(request.GET.get("user", "1")), "bench", timezone.now()],
        )
    return JsonResponse({"ok": True}, status=201)


def week(request: HttpRequest) -> HttpResponse:
    """This week's entries of `?agent=` in `?tz=`: one query, one minimal template."""
    tz = dates.zone(request.GET.get("tz", "UTC"))
    monday = dates.week_start(dates.local_date(dates.now(), tz))
    start = dates.local_midnight(monday, tz)
    entries = (
        TimeEntry.objects.filter(
            agent_id=int(request.GET["agent"]),
            started_at__gte=start,
            started_at__lt=start + dt.timedelta(days=7),
        )
        .order_by("started_at")
        # Plain rows, not model instances: the floor is the query and the template.
        .values(
            "started_at",
            "ended_at",
            "state",
            "worked_seconds",
            "note",
            "ticket_id",
            "ticket__summary",
            "ticket__client__name",
            "charge_type__name",
        )
    )
    with timezone.override(tz):
        return HttpResponse(WEEK.render({"entries": entries, "monday": monday}))


# Under /api/ like the API, so the middleware treats both alike.
urlpatterns = [path("api/insert", insert), path("bare/week", week)]


class UseBareUrls:
    """Middleware (last in the chain) that routes a request to this URLconf: the week
    figure's bare page then runs behind the app's own middleware in the app's process."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.urlconf = __name__  # type: ignore[attr-defined]
        return self.get_response(request)
