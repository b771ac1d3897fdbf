"""The landing page ("/", where signing in leads): each role starts where its work is.

Engineers log time, so "/" is their week itself; approvers start at the approval queue,
billing users at billing and admins at the settings overview. My week keeps its own address
(`timesheets:my_week`) for everyone who logs time."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from tallyhour.accounts.models import Role, User
from tallyhour.accounts.requests import PageRequest
from tallyhour.timesheets.views.week import week_page

LANDING_BY_ROLE: dict[str, str] = {
    Role.APPROVER: "timesheets:approvals",
    Role.BILLING: "billing:run",
    Role.ADMIN: "settings_overview",
}


def landing_url_name(user: User) -> str | None:
    """The page a role works from, or None for My week (engineers)."""
    if user.is_superuser:
        return LANDING_BY_ROLE[Role.ADMIN]
    return LANDING_BY_ROLE.get(user.role)


@login_required
@require_GET
def home(request: PageRequest) -> HttpResponse:
    landing = landing_url_name(request.user)
    if landing is None:
        return week_page(request)
    return redirect(landing)
