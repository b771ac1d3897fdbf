"""What the apps above crm show on the client pages, without crm importing them.

Contracts, prepay, invoices and tickets sit in higher layers. Each of those apps registers
its part of the client pages here from its `AppConfig.ready`; the crm views ask through
`client_list_*` and `client_page_parts`, and every provider runs its own app's selectors.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from tallyhour.accounts.models import User
from tallyhour.crm.models import Client

# Adds columns to the client list's queryset (before paging, so they cost no extra query).
ClientListAnnotator = Callable[[QuerySet[Client]], QuerySet[Client]]
# Sets attributes on one page of clients: (actor, clients, org's today).
ClientRowsDecorator = Callable[[User, list[Client], dt.date], None]
# The context one app contributes to a client's page: (actor, client, org's today).
ClientPagePart = Callable[[User, Client, dt.date], dict[str, Any]]

_list_annotators: list[ClientListAnnotator] = []
_rows_decorators: list[ClientRowsDecorator] = []
_page_parts: list[ClientPagePart] = []


def _add(registry: list[Any], provider: Any) -> None:
    # Registering the same provider twice is harmless (ready() may run more than once in tests).
    if provider not in registry:
        registry.append(provider)


def client_list_annotator_register(annotator: ClientListAnnotator) -> None:
    _add(_list_annotators, annotator)


def client_rows_decorator_register(decorator: ClientRowsDecorator) -> None:
    _add(_rows_decorators, decorator)


def client_page_part_register(part: ClientPagePart) -> None:
    _add(_page_parts, part)


def client_list_annotate(clients: QuerySet[Client]) -> QuerySet[Client]:
    for annotate in _list_annotators:
        clients = annotate(clients)
    return clients


def client_rows_decorate(*, actor: User, clients: list[Client], today: dt.date) -> None:
    for decorate in _rows_decorators:
        decorate(actor, clients, today)


def client_page_parts(*, actor: User, client: Client, today: dt.date) -> dict[str, Any]:
    """Every registered app's context for the client page, merged."""
    parts: dict[str, Any] = {}
    for part in _page_parts:
        parts.update(part(actor, client, today))
    return parts
