"""Writes for clients: one transaction, permission check, full_clean and an audit row."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from tallyhour.accounts.models import User
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.errors import Forbidden, full_clean_or_invalid
from tallyhour.crm.models import Client

CLIENT_FIELDS = [
    "name",
    "currency",
    "tax_rate",
    "reverse_charge",
    "billing_address",
    "billing_email",
    "tax_id",
    "payment_terms_days",
    "is_active",
]
# What an edit may change; anything else passed in is a programming error, not user input.
EDITABLE = frozenset(CLIENT_FIELDS)


def _check(actor: User) -> None:
    if not actor.is_billing_role:
        raise Forbidden("Only billing and admin users create or change clients.")


def _tidy(fields: dict[str, Any]) -> dict[str, Any]:
    for key in ("name", "billing_address", "billing_email", "tax_id"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip()
    if isinstance(fields.get("currency"), str):
        fields["currency"] = fields["currency"].strip().upper()
    return fields


@transaction.atomic
def client_create(
    *, name: str, currency: str, tax_rate: Decimal, actor: User, **details: Any
) -> Client:
    """A new client; `details` are further billing fields (address, email, tax id, terms...)."""
    _check(actor)
    unknown = set(details) - EDITABLE
    if unknown:
        raise TypeError(f"Unknown client fields: {sorted(unknown)}")
    client = Client(**_tidy({"name": name, "currency": currency, "tax_rate": tax_rate, **details}))
    full_clean_or_invalid(client)
    client.save()
    audit_record(
        actor=actor, action="client.create", obj=client, after=snapshot(client, CLIENT_FIELDS)
    )
    return client


@transaction.atomic
def client_update(*, client: Client, actor: User, **changes: Any) -> Client:
    """Change a client's details. Issued invoices keep the details they were issued with."""
    _check(actor)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise TypeError(f"Unknown client fields: {sorted(unknown)}")
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = snapshot(client, CLIENT_FIELDS)
    for key, value in _tidy(dict(changes)).items():
        setattr(client, key, value)
    full_clean_or_invalid(client)
    after = snapshot(client, CLIENT_FIELDS)
    if after == before:
        return client
    client.save()
    changed = [key for key in CLIENT_FIELDS if before[key] != after[key]]
    audit_record(
        actor=actor,
        action="client.update",
        obj=client,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
    )
    return client
