"""One endpoint, one INSERT, same server, same database, no app code around it."""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from tallyhour.core.models import Notice


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


# Under /api/ like the API, so the middleware treats both alike.
urlpatterns = [path("api/insert", insert)]
