"""API: clients."""

from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from tallyhour.api.auth import AuthedRequest
from tallyhour.api.schemas import Page, Paging, Text, error_responses, paginate
from tallyhour.crm.selectors import clients_visible_to
from tallyhour.crm.services import client_create

router = Router(tags=["clients"])


class ClientOut(Schema):
    id: int
    name: str
    currency: str = Field(..., description="ISO 4217 code the client is billed in.")
    tax_rate: Decimal = Field(..., description="Percent applied to the invoice subtotal.")
    is_active: bool


class ClientIn(Schema):
    name: Text = Field(..., min_length=1, max_length=200)
    currency: str = Field("GBP", pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code.")
    tax_rate: Decimal = Field(
        Decimal("20.00"),
        ge=0,
        le=100,
        max_digits=5,
        decimal_places=2,
        description="Percent applied to the invoice subtotal.",
    )


class ClientFilters(Paging):
    active: bool | None = Field(None, description="Only active (true) or inactive (false) ones.")


@router.get(
    "/clients", response={200: Page[ClientOut], **error_responses(422)}, summary="List clients"
)
def list_clients(request: AuthedRequest, filters: Query[ClientFilters]) -> dict[str, Any]:
    """Clients by name, paged; every staff user may see them."""
    clients = clients_visible_to(request.auth)
    if filters.active is not None:
        clients = clients.filter(is_active=filters.active)
    return paginate(clients, filters)


@router.post(
    "/clients", response={201: ClientOut, **error_responses(403, 422)}, summary="Create a client"
)
def create_client(request: AuthedRequest, payload: ClientIn) -> Status:
    """Billing and admin users only. The name must be unique; `tax_rate` is a percentage."""
    client = client_create(
        name=payload.name, currency=payload.currency, tax_rate=payload.tax_rate, actor=request.auth
    )
    return Status(201, client)
