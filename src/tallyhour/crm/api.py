"""API: clients and their sites."""

from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.core.apikit.concurrency import (
    check_if_match,
    if_match_locked,
    lock_row,
    set_entity_tag,
)
from tallyhour.core.apikit.created import created
from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.schemas import ObjectId, Page, Paging, Text, error_responses, paginate
from tallyhour.core.idempotency import idempotency_header
from tallyhour.crm.models import Client, Site
from tallyhour.crm.selectors import client_get, clients_visible_to, site_get, sites_visible_to
from tallyhour.crm.services import client_create, client_update, site_create, site_update

router = Router(tags=["clients"])


class ClientOut(Schema):
    id: int
    name: str
    currency: str = Field(..., description="ISO 4217 code the client is billed in.")
    tax_rate: Decimal = Field(..., description="Percent applied to the invoice subtotal.")
    is_active: bool
    reverse_charge: bool = Field(..., description="The client accounts for the tax.")
    billing_address: str
    billing_email: str
    tax_id: str
    payment_terms_days: int | None = Field(..., description="null: the organisation's default.")
    purchase_order: str = Field(..., description="Printed on new invoices (BT-13).")
    timezone: str = Field(..., description="IANA zone for documents; empty: the organisation's.")
    locale: str = Field(..., description="Number format of documents; empty: the organisation's.")


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


class ClientPatch(Schema):
    name: Text | None = Field(None, min_length=1, max_length=200)
    currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code.")
    tax_rate: Decimal | None = Field(
        None,
        ge=0,
        le=100,
        max_digits=5,
        decimal_places=2,
        description="Percent applied to the invoice subtotal.",
    )
    reverse_charge: bool | None = None
    billing_address: Text | None = Field(None, max_length=2_000)
    billing_email: Text | None = Field(None, max_length=254)
    tax_id: Text | None = Field(None, max_length=64)
    payment_terms_days: int | None = Field(
        None, ge=0, le=365, description="null: the organisation's default."
    )
    purchase_order: Text | None = Field(None, max_length=64)
    timezone: Text | None = Field(None, max_length=64, description="IANA, e.g. Europe/Berlin.")
    locale: Text | None = Field(None, max_length=16, description="e.g. de_DE.")
    is_active: bool | None = None

    @field_validator(
        "name",
        "purchase_order",
        "timezone",
        "locale",
        "currency",
        "tax_rate",
        "reverse_charge",
        "billing_address",
        "billing_email",
        "tax_id",
        "is_active",
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Validators only run on values sent, so this refuses an explicit null.
        if value is None:
            raise ValueError("may not be null")
        return value


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
    "/clients",
    response={201: ClientOut, **error_responses(403, 422)},
    summary="Create a client",
    openapi_extra=examples(
        body={"UK client": {"name": "Acme Ltd", "currency": "GBP", "tax_rate": "20.00"}}
    ),
)
def create_client(
    request: AuthedRequest, payload: ClientIn, idempotency_key: str | None = idempotency_header()
) -> Any:
    """Billing and admin users only. The name must be unique; `tax_rate` is a percentage.
    Honours `Idempotency-Key`."""
    return created(
        request,
        payload=payload,
        schema=ClientOut,
        create=lambda: client_create(
            name=payload.name,
            currency=payload.currency,
            tax_rate=payload.tax_rate,
            actor=request.auth,
        ),
    )


@router.get(
    "/clients/{client_id}",
    response={200: ClientOut, **error_responses(404)},
    summary="Get a client",
)
def get_client(request: AuthedRequest, client_id: ObjectId, response: HttpResponse) -> Client:
    """One client with its billing details. Answers an `ETag` for changing it safely."""
    client = client_get(actor=request.auth, client_id=client_id)
    set_entity_tag(response, client)
    return client


@router.patch(
    "/clients/{client_id}",
    response={200: ClientOut, **error_responses(403, 404, 412, 422)},
    summary="Change a client",
    openapi_extra=examples(
        body={
            "new address": {"billing_address": "2 New Road\nLeeds", "payment_terms_days": 14},
            "deactivate": {"is_active": False},
        }
    ),
)
def update_client(
    request: AuthedRequest, client_id: ObjectId, payload: ClientPatch, response: HttpResponse
) -> Client:
    """Billing and admin users only. Change only the fields sent; issued invoices keep the
    details they were issued with. Send the client's `ETag` in `If-Match` to refuse the change
    (412) if it changed meanwhile."""
    client = client_get(actor=request.auth, client_id=client_id)
    check_if_match(request, client)
    with if_match_locked(request, lambda: lock_row(client)):
        client_update(client=client, actor=request.auth, **payload.model_dump(exclude_unset=True))
    updated = client_get(actor=request.auth, client_id=client_id)
    set_entity_tag(response, updated)
    return updated


# --- sites -----------------------------------------------------------------------------------


class SiteOut(Schema):
    id: int
    client_id: int
    name: str
    address: str
    is_active: bool = Field(..., description="Inactive sites stay on their tickets only.")


class SiteIn(Schema):
    name: Text = Field(..., min_length=1, max_length=200)
    address: Text = Field("", max_length=2_000)


class SitePatch(Schema):
    name: Text | None = Field(None, min_length=1, max_length=200)
    address: Text | None = Field(None, max_length=2_000)
    is_active: bool | None = None

    @field_validator("name", "address", "is_active")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value


class SiteFilters(Paging):
    active: bool | None = Field(None, description="Only active (true) or inactive (false) ones.")


@router.get(
    "/clients/{client_id}/sites",
    response={200: Page[SiteOut], **error_responses(404)},
    summary="List a client's sites",
)
def list_sites(
    request: AuthedRequest, client_id: ObjectId, filters: Query[SiteFilters]
) -> dict[str, Any]:
    """A client's sites by name, paged; everyone who may see the client may see them."""
    client = client_get(actor=request.auth, client_id=client_id)
    sites = sites_visible_to(request.auth).filter(client=client)
    if filters.active is not None:
        sites = sites.filter(is_active=filters.active)
    return paginate(sites, filters)


@router.post(
    "/clients/{client_id}/sites",
    response={201: SiteOut, **error_responses(403, 404, 409, 422)},
    summary="Add a site to a client",
    openapi_extra=examples(body={"branch": {"name": "Leeds office", "address": "1 Park Row"}}),
)
def create_site(
    request: AuthedRequest,
    client_id: ObjectId,
    payload: SiteIn,
    idempotency_key: str | None = idempotency_header(),
) -> Any:
    """Billing and admin users only. Site names are unique per client (409 otherwise).
    Honours `Idempotency-Key`."""
    client = client_get(actor=request.auth, client_id=client_id)
    return created(
        request,
        payload=payload,
        schema=SiteOut,
        create=lambda: site_create(
            client=client, name=payload.name, address=payload.address, actor=request.auth
        ),
    )


@router.get(
    "/clients/{client_id}/sites/{site_id}",
    response={200: SiteOut, **error_responses(404)},
    summary="Get a site",
)
def get_site(
    request: AuthedRequest, client_id: ObjectId, site_id: ObjectId, response: HttpResponse
) -> Site:
    """One site of the client. Answers an `ETag` for changing it safely."""
    site = site_get(actor=request.auth, client_id=client_id, site_id=site_id)
    set_entity_tag(response, site)
    return site


@router.patch(
    "/clients/{client_id}/sites/{site_id}",
    response={200: SiteOut, **error_responses(403, 404, 409, 412, 422)},
    summary="Rename or deactivate a site",
    openapi_extra=examples(
        body={"rename": {"name": "Leeds HQ"}, "deactivate": {"is_active": False}}
    ),
)
def update_site(
    request: AuthedRequest,
    client_id: ObjectId,
    site_id: ObjectId,
    payload: SitePatch,
    response: HttpResponse,
) -> Site:
    """Billing and admin users only. Change only the fields sent; an inactive site stays on
    the tickets that name it. Send the site's `ETag` in `If-Match` to refuse the change (412)
    if it changed meanwhile."""
    site = site_get(actor=request.auth, client_id=client_id, site_id=site_id)
    check_if_match(request, site)
    with if_match_locked(request, lambda: lock_row(site)):
        site_update(site=site, actor=request.auth, **payload.model_dump(exclude_unset=True))
    updated = site_get(actor=request.auth, client_id=client_id, site_id=site_id)
    set_entity_tag(response, updated)
    return updated
