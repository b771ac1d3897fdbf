"""The settings overview: the organisation's settings at a glance, and the way to every place
an admin configures something (Django admin, webhooks, API applications and tokens)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tallyhour.accounts.models import Organisation
from tallyhour.accounts.permissions import can_admin
from tallyhour.accounts.requests import PageRequest
from tallyhour.core.errors import Forbidden
from tallyhour.core.pageerrors import errors_as_page


@login_required
@require_GET
@errors_as_page
def settings_overview(request: PageRequest) -> HttpResponse:
    if not can_admin(request.user):
        raise Forbidden("Settings are for admins.")
    context = {"organisation": Organisation.current()}
    return render(request, "accounts/settings_overview.html", context)
