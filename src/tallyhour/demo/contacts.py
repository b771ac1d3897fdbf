"""Demo portal contacts: two clients' contacts who have accepted their invitations.

`DemoBuilder` calls `load_demo_contacts(clients, password_hash=..., now=...)` once clients exist.
"""

import datetime as dt
from collections.abc import Sequence

from tallyhour.accounts.models import Role, User
from tallyhour.crm.models import Client, Contact

# (first name, last name, email local part, may see invoices) for the first demo clients.
DEMO_CONTACTS = [
    ("Olivia", "Marsh", "olivia.marsh", True),
    ("Tom", "Reed", "tom.reed", False),
]


def _domain(client: Client) -> str:
    slug = "".join(c for c in client.name.lower().split(" ")[0] if c.isalnum())
    return f"{slug}.example"


def load_demo_contacts(
    clients: Sequence[Client], *, password_hash: str, now: dt.datetime
) -> list[Contact]:
    """One signed-up contact for each of the first clients, the first allowed invoices."""
    contacts = []
    for client, (first, last, local, invoices) in zip(clients, DEMO_CONTACTS, strict=False):
        email = f"{local}@{_domain(client)}"
        user = User.objects.create(
            username=email,
            email=email,
            first_name=first,
            last_name=last,
            role=Role.CONTACT,
            password=password_hash,
        )
        contacts.append(
            Contact.objects.create(
                client=client,
                name=f"{first} {last}",
                email=email,
                user=user,
                can_see_invoices=invoices,
                invited_at=now - dt.timedelta(days=20),
                accepted_at=now - dt.timedelta(days=19),
            )
        )
    return contacts
