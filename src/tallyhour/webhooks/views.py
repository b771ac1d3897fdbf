"""Admin page for webhook subscriptions and their delivery log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tallyhour.accounts.permissions import can_admin
from tallyhour.core.errors import DomainError
from tallyhour.webhooks.models import Delivery, Event, Subscription
from tallyhour.webhooks.services import delivery_replay, subscription_create, subscription_delete


def _admin(request: HttpRequest) -> None:
    if not can_admin(request.user):  # type: ignore[arg-type]
        raise PermissionDenied("Webhooks are managed by admins.")


@login_required
def webhooks_page(request: HttpRequest) -> HttpResponse:
    _admin(request)
    if request.method == "POST":
        try:
            _, secret = subscription_create(
                url=request.POST.get("url", "").strip(),
                events=request.POST.getlist("events"),
                actor=request.user,  # type: ignore[arg-type]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"Subscribed. Signing secret (shown once, keep it safe): {secret}"
            )
        return redirect("webhooks:page")
    context = {
        "subscriptions": Subscription.objects.all(),
        "deliveries": Delivery.objects.select_related("subscription")[:50],
        "events": Event.choices,
    }
    return render(request, "webhooks/page.html", context)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    subscription_delete(subscription=get_object_or_404(Subscription, pk=pk), actor=request.user)  # type: ignore[arg-type]
    messages.success(request, "Subscription removed.")
    return redirect("webhooks:page")


@login_required
@require_POST
def delivery_replay_view(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    delivery_replay(delivery=get_object_or_404(Delivery, pk=pk), actor=request.user)  # type: ignore[arg-type]
    messages.success(request, "Queued again; the worker sends it within a minute.")
    return redirect("webhooks:page")
