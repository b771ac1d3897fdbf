"""The notices page: what the system told the signed-in user (capped timers, …)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tallyhour.core.htmx import HtmxRequest, done, render_page
from tallyhour.core.notices import notice_mark_read, notices_for
from tallyhour.core.pageerrors import back_on_error

NOTICES_PER_PAGE = 30


@login_required
@require_GET
def notice_list(request: HtmxRequest) -> HttpResponse:
    page = Paginator(notices_for(request.user), NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    return render_page(request, "core/notices.html", "core/notices.html", {"page": page})


@login_required
@require_POST
def notice_read(request: HtmxRequest) -> HttpResponse:
    back = reverse("notices")
    raw = request.POST.get("notice", "")
    back_on_error(request, back)
    changed = notice_mark_read(user=request.user, notice_id=int(raw) if raw.isdigit() else None)
    return done(request, f"Marked {changed} notice{'s' if changed != 1 else ''} read.", back)
