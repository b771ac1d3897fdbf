"""Admin page for HaloPSA-compatible API applications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tallyhour.accounts.models import User
from tallyhour.accounts.selectors import staff_users
from tallyhour.core.errors import DomainError
from tallyhour.halo.models import ApiApplication
from tallyhour.halo.services import api_application_create, api_application_revoke


def _admin(request: HttpRequest) -> User:
    user = request.user
    if not getattr(user, "is_admin_role", False):
        raise PermissionDenied("API applications are managed by admins.")
    return user  # type: ignore[return-value]


@login_required
def applications_page(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    created, errors = None, {}
    if request.method == "POST":
        agent = staff_users().filter(pk=request.POST.get("agent_id") or 0).first()
        try:
            if agent is None:
                raise DomainError("Choose the agent the application acts as.")
            app, secret = api_application_create(
                name=request.POST.get("name", ""),
                agent=agent,
                actor=actor,
                act_as_other=request.POST.get("act_as_other") == "on",
            )
            created = {"client_id": app.client_id, "secret": secret, "name": app.name}
        except DomainError as exc:
            messages.error(request, exc.message)
            errors = exc.fields or {}
    context = {
        "applications": ApiApplication.objects.select_related("agent", "created_by"),
        "agents": staff_users().order_by("username"),
        "created": created,
        "errors": errors,
        "form": request.POST if errors else {},
    }
    return render(request, "halo/applications.html", context)


@login_required
@require_POST
def application_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _admin(request)
    api_application_revoke(application=get_object_or_404(ApiApplication, pk=pk), actor=actor)
    messages.success(request, "Application revoked; its tokens no longer work.")
    return redirect("halo-applications")
