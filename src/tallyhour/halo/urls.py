"""Halo paths are case-insensitive and scripts use them with or without a trailing slash."""

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, re_path

from tallyhour.halo import directory, views
from tallyhour.halo.openapi import openapi_route


def ci(word: str) -> str:
    """Case-insensitive without inline flags, which Django's URL reversing cannot read."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


def resource(name: str, view: Callable[..., Any], *, with_id: bool = True) -> list[URLPattern]:
    patterns = [re_path(rf"^api/{ci(name)}/?$", view)]
    if with_id:
        patterns.append(re_path(rf"^api/{ci(name)}/(?P<pk>[0-9]{{1,40}})/?$", view))
    return patterns


urlpatterns = [
    re_path(rf"^auth/{ci('token')}/?$", views.token, name="halo-token"),
    openapi_route,
    re_path(rf"^api/{ci('agent')}/{ci('me')}/?$", directory.agent_me),
    *resource("agent", directory.agents),
    *resource("client", directory.clients),
    *resource("clientcontract", directory.client_contracts),
    *resource("tickets", views.tickets),
    *resource("actions", views.actions),
    *resource("timesheet", views.timesheets, with_id=False),
    *resource("timesheetevent", views.timesheet_events),
    *resource("invoice", views.invoices),
    *resource("lookup", directory.lookup),
    re_path(rf"^api/{ci('client')}/{ci('me')}/?$", directory.client_me),
    re_path(rf"^api/{ci('authinfo')}/?$", directory.authinfo),
    *resource("status", directory.status_list),
    *resource("priority", directory.priorities),
    *resource("outcome", directory.outcomes),
    *resource("tickettype", directory.ticket_types),
    *resource("team", directory.teams),
    *resource("site", directory.sites),
    *resource("users", directory.end_users),
    *resource("projects", directory.projects),
]
