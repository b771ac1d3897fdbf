"""Clients named by id in an API request (422 naming the field)."""

from tallyhour.core.apikit.lookups import one_or_invalid
from tallyhour.crm.models import Client


def client_from(pk: int, field: str = "client_id") -> Client:
    client = one_or_invalid(Client.objects.all, pk, field, "client")
    assert client is not None
    return client
