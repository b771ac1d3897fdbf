"""Writes for clients: one transaction, permission check, full_clean and an audit row."""

import datetime as dt
import hashlib
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from tallyhour.accounts.models import User
from tallyhour.accounts.permissions import require_billing
from tallyhour.accounts.services import contact_user_create, user_active_set
from tallyhour.core import dates, localformat
from tallyhour.core.audit import audit_record, snapshot
from tallyhour.core.errors import Conflict, InvalidInput, NotFound, full_clean_or_invalid
from tallyhour.crm.models import Client, Contact, Site

CLIENT_FIELDS = [
    "name",
    "currency",
    "tax_rate",
    "reverse_charge",
    "billing_address",
    "billing_email",
    "tax_id",
    "payment_terms_days",
    "purchase_order",
    "timezone",
    "locale",
    "is_active",
]
# What an edit may change; anything else passed in is a programming error, not user input.
EDITABLE = frozenset(CLIENT_FIELDS)


def _check(actor: User) -> None:
    require_billing(actor, "Only billing and admin users create or change clients.")


def _tidy(fields: dict[str, Any]) -> dict[str, Any]:
    for key in ("name", "billing_address", "billing_email", "tax_id", "purchase_order"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip()
    if isinstance(fields.get("currency"), str):
        fields["currency"] = fields["currency"].strip().upper()
    # Blank zone and locale mean the organisation's; anything else must be one we can use.
    zone = (fields.get("timezone") or "").strip()
    if zone:
        dates.zone(zone)
        fields["timezone"] = zone
    locale = (fields.get("locale") or "").strip()
    if locale and not localformat.valid_locale(locale):
        raise InvalidInput(f"Unknown locale {locale!r}.", fields={"locale": "unknown"})
    if "locale" in fields:
        fields["locale"] = locale
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


# --- portal contacts ------------------------------------------------------------------------

CONTACT_FIELDS = [
    "client",
    "name",
    "email",
    "can_see_invoices",
    "receives_invoices",
    "is_active",
    "user",
]
INVITATION_LIFETIME = dt.timedelta(days=7)


def invitation_digest(raw: str) -> str:
    # Tokens are 256-bit random, so a fast hash is enough (nothing to brute-force).
    return hashlib.sha256(raw.encode()).hexdigest()


def _send_invitation(contact: Contact, raw: str, accept_url: str, now: dt.datetime) -> None:
    """New token on the contact (digest only) and the mail with the link, after commit."""
    contact.invitation_digest = invitation_digest(raw)
    contact.invitation_expires_at = now + INVITATION_LIFETIME
    contact.invited_at = now
    link = accept_url.replace("TOKEN", raw)
    text = (
        f"Hello {contact.name},\n\n"
        f"You have been invited to the client portal for {contact.client.name}: your tickets, "
        "the time spent on them, prepaid hours and invoices.\n\n"
        f"Choose your password here (the link works for {INVITATION_LIFETIME.days} days):\n"
        f"{link}\n\nYou will sign in with this email address."
    )
    address = contact.email
    transaction.on_commit(
        lambda: send_mail(
            "Your client portal invitation",
            text,
            settings.DEFAULT_FROM_EMAIL,
            [address],
            fail_silently=True,
        )
    )


@transaction.atomic
def contact_invite(
    *,
    client: Client,
    name: str,
    email: str,
    actor: User,
    accept_url: str,
    can_see_invoices: bool = False,
    receives_invoices: bool = False,
    now: dt.datetime | None = None,
) -> Contact:
    """Add a contact to a client and email them a link to set a portal password.

    `accept_url` is the absolute address of the accept page with `TOKEN` where the token goes.
    """
    _check(actor)
    now = now or dates.now()
    email = (email or "").strip().lower()
    if Contact.objects.filter(email=email).exists() or (
        email and User.objects.filter(username__iexact=email).exists()
    ):
        raise InvalidInput(
            "Someone with this email address already has a sign-in.",
            fields={"email": "already used"},
        )
    contact = Contact(
        client=client,
        name=(name or "").strip(),
        email=email,
        can_see_invoices=can_see_invoices,
        receives_invoices=receives_invoices,
    )
    full_clean_or_invalid(contact, exclude=["user"])
    raw = secrets.token_urlsafe(32)
    _send_invitation(contact, raw, accept_url, now)
    contact.save()
    audit_record(
        actor=actor,
        action="contact.invite",
        obj=contact,
        after=snapshot(contact, CONTACT_FIELDS),
    )
    return contact


@transaction.atomic
def contact_reinvite(
    *, contact: Contact, actor: User, accept_url: str, now: dt.datetime | None = None
) -> Contact:
    """A fresh invitation link (the old one stops working) for a contact not yet signed up."""
    _check(actor)
    now = now or dates.now()
    contact = Contact.objects.select_for_update().select_related("client").get(pk=contact.pk)
    if contact.user_id is not None:
        raise Conflict("This contact has already set a password.", fields={"contact": "accepted"})
    if not contact.is_active:
        raise Conflict("Switch portal access on before inviting again.", fields={"is_active": ""})
    _send_invitation(contact, secrets.token_urlsafe(32), accept_url, now)
    contact.save(update_fields=["invitation_digest", "invitation_expires_at", "invited_at"])
    audit_record(actor=actor, action="contact.reinvite", obj=contact)
    return contact


def contact_for_invitation(raw: str, *, now: dt.datetime | None = None) -> Contact:
    """The contact a live invitation token belongs to; NotFound for unknown or expired ones."""
    now = now or dates.now()
    contact = (
        Contact.objects.select_related("client")
        .filter(invitation_digest=invitation_digest(raw or ""), is_active=True, user=None)
        .exclude(invitation_digest="")
        .first()
    )
    if contact is None or not contact.invitation_expires_at or contact.invitation_expires_at <= now:
        raise NotFound("This invitation link is unknown, used or expired. Ask for a new one.")
    return contact


@transaction.atomic
def contact_accept_invitation(
    *, token: str, password: str, now: dt.datetime | None = None
) -> Contact:
    """The invited contact chose a password: they get a portal sign-in (role contact)."""
    now = now or dates.now()
    contact = contact_for_invitation(token, now=now)
    contact = Contact.objects.select_for_update().select_related("client").get(pk=contact.pk)
    if contact.user_id is not None:  # accepted meanwhile through the same link
        raise NotFound("This invitation link is unknown, used or expired. Ask for a new one.")
    user = contact_user_create(email=contact.email, name=contact.name, password=password)
    contact.user = user
    contact.accepted_at = now
    contact.invitation_digest = ""
    contact.invitation_expires_at = None
    contact.save(
        update_fields=["user", "accepted_at", "invitation_digest", "invitation_expires_at"]
    )
    audit_record(actor=user, action="contact.accept", obj=contact, after={"user": user.pk})
    return contact


CONTACT_EDITABLE = frozenset({"name", "can_see_invoices", "receives_invoices", "is_active"})


@transaction.atomic
def contact_update(*, contact: Contact, actor: User, **changes: Any) -> Contact:
    """Rename a contact, grant or take away invoices (seeing them in the portal, receiving
    them by email), switch portal access on or off."""
    _check(actor)
    unknown = set(changes) - CONTACT_EDITABLE
    if unknown:
        raise TypeError(f"Unknown contact fields: {sorted(unknown)}")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    before = snapshot(contact, CONTACT_FIELDS)
    for key, value in changes.items():
        setattr(contact, key, value.strip() if isinstance(value, str) else value)
    full_clean_or_invalid(contact, exclude=["user"])
    after = snapshot(contact, CONTACT_FIELDS)
    if after == before:
        return contact
    contact.save()
    if contact.user_id is not None and before["is_active"] != after["is_active"]:
        # The sign-in follows the contact: switched off, its sessions stop at the next request.
        user_active_set(user_id=contact.user_id, is_active=contact.is_active)
    changed = [key for key in CONTACT_FIELDS if before[key] != after[key]]
    audit_record(
        actor=actor,
        action="contact.update",
        obj=contact,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
    )
    return contact


# --- sites -----------------------------------------------------------------------------------

SITE_FIELDS = ["client", "name", "address", "is_active"]
SITE_EDITABLE = frozenset({"name", "address", "is_active"})


def _site_save(site: Site) -> None:
    """Save unless the client has a site of that name (in any case); a parallel save of the
    same name meets the unique constraint and gets the same answer."""
    taken = Conflict(
        f"{site.client} already has a site named {site.name!r}.", fields={"name": "taken"}
    )
    clash = Site.objects.filter(client_id=site.client_id, name__iexact=site.name)
    if clash.exclude(pk=site.pk).exists():
        raise taken
    try:
        with transaction.atomic():
            site.save()
    except IntegrityError as exc:
        raise taken from exc


@transaction.atomic
def site_create(*, client: Client, name: str, actor: User, address: str = "") -> Site:
    """A new site of a client; tickets can then be raised for it."""
    _check(actor)
    site = Site(client=client, name=(name or "").strip(), address=(address or "").strip())
    full_clean_or_invalid(site, validate_constraints=False)
    _site_save(site)
    audit_record(actor=actor, action="site.create", obj=site, after=snapshot(site, SITE_FIELDS))
    return site


@transaction.atomic
def site_update(*, site: Site, actor: User, **changes: Any) -> Site:
    """Rename a site, change its address, or deactivate it (its tickets keep it; new tickets
    cannot name it)."""
    _check(actor)
    unknown = set(changes) - SITE_EDITABLE
    if unknown:
        raise TypeError(f"Unknown site fields: {sorted(unknown)}")
    site = Site.objects.select_for_update(of=("self",)).select_related("client").get(pk=site.pk)
    before = snapshot(site, SITE_FIELDS)
    for key, value in changes.items():
        setattr(site, key, value.strip() if isinstance(value, str) else value)
    full_clean_or_invalid(site, validate_constraints=False)
    after = snapshot(site, SITE_FIELDS)
    if after == before:
        return site
    _site_save(site)
    changed = [key for key in SITE_FIELDS if before[key] != after[key]]
    audit_record(
        actor=actor,
        action="site.update",
        obj=site,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
    )
    return site
