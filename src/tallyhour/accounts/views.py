"""The signed-in user's own API tokens: list, create (secret shown once) and revoke."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tallyhour.accounts.models import Scope, User, scopes_for_role
from tallyhour.accounts.selectors import api_tokens_of
from tallyhour.accounts.services import api_token_create, api_token_revoke
from tallyhour.core import dates
from tallyhour.core.errors import DomainError, InvalidInput

MAX_EXPIRY_DAYS = 3650


def _expires_at(raw: str) -> dt.datetime | None:
    if not raw.strip():
        return None
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise InvalidInput(
            f"Expiry must be between 1 and {MAX_EXPIRY_DAYS} days, or empty for never.",
            fields={"expires_days": "out of range"},
        )
    return dates.now() + dt.timedelta(days=days)


@login_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    new_token = ""
    status = 200
    if request.method == "POST":
        try:
            _, new_token = api_token_create(
                user=user,
                actor=user,
                name=request.POST.get("name", ""),
                scopes=request.POST.getlist("scopes"),
                expires_at=_expires_at(request.POST.get("expires_days", "")),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            status = 422
    allowed = set(scopes_for_role(user.role))
    context = {
        "tokens": api_tokens_of(user),
        "scopes": [(value, label) for value, label in Scope.choices if value in allowed],
        "new_token": new_token,
        "now": dates.now(),
    }
    return render(request, "accounts/tokens.html", context, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = get_object_or_404(api_tokens_of(user), pk=pk)
    api_token_revoke(token=token, actor=user)
    messages.success(request, f"Token {token.prefix}… revoked.")
    return redirect("tokens:page")
