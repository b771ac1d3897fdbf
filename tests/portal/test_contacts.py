"""Inviting contacts from the client page, accepting by the emailed link, switching off."""

import datetime as dt
import hashlib
import re

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse

from tallyhour.accounts.models import Role, User
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tallyhour.core.models import AuditEntry
from tallyhour.crm.models import Contact
from tallyhour.crm.services import (
    contact_accept_invitation,
    contact_invite,
    contact_reinvite,
    contact_update,
)
from tests.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)  # invitation mail is sent on commit

ACCEPT = "http://testserver/portal/accept/TOKEN/"
STRONG = "correct horse battery 42"


def _token_from_mail() -> str:
    match = re.search(r"/portal/accept/([^/\s]+)/", mail.outbox[-1].body)
    assert match
    return match.group(1)


def test_invite_stores_only_a_hash_and_mails_the_link(client_acme, billing):
    contact = contact_invite(
        client=client_acme,
        name="Ada Lovelace",
        email=" Ada@Acme.Example ",
        actor=billing,
        accept_url=ACCEPT,
    )
    assert contact.email == "ada@acme.example" and contact.user is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@acme.example"]
    token = _token_from_mail()
    assert contact.invitation_digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Contact.objects.filter(pk=contact.pk).values().first())
    assert contact.invitation_expires_at - contact.invited_at == dt.timedelta(days=7)
    assert AuditEntry.objects.filter(action="contact.invite", object_id=str(contact.pk)).exists()


def test_only_billing_and_admin_invite(client_acme, engineer, approver):
    for actor in (engineer, approver):
        with pytest.raises(Forbidden):
            contact_invite(
                client=client_acme, name="X", email="x@acme.example", actor=actor, accept_url=ACCEPT
            )


def test_an_address_already_used_is_refused(client_acme, billing, engineer):
    contact_invite(
        client=client_acme, name="A", email="a@acme.example", actor=billing, accept_url=ACCEPT
    )
    for email in ("A@acme.example", engineer.username):
        with pytest.raises(InvalidInput) as caught:
            contact_invite(
                client=client_acme, name="B", email=email, actor=billing, accept_url=ACCEPT
            )
        assert "email" in caught.value.fields


def test_accepting_creates_a_contact_sign_in_once(client_acme, billing):
    contact_invite(
        client=client_acme,
        name="Ada Lovelace",
        email="ada@acme.example",
        actor=billing,
        accept_url=ACCEPT,
    )
    token = _token_from_mail()
    with pytest.raises(InvalidInput):
        contact_accept_invitation(token=token, password="short")
    contact = contact_accept_invitation(token=token, password=STRONG)
    user = User.objects.get(pk=contact.user_id)
    assert user.role == Role.CONTACT and user.username == "ada@acme.example"
    assert not user.is_staff and not user.is_superuser and user.check_password(STRONG)
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert contact.accepted_at is not None and contact.invitation_digest == ""
    with pytest.raises(NotFound):  # the link works once
        contact_accept_invitation(token=token, password=STRONG)


def test_expired_and_unknown_links_are_refused(client_acme, billing, time_machine):
    contact_invite(
        client=client_acme, name="Ada", email="ada@acme.example", actor=billing, accept_url=ACCEPT
    )
    token = _token_from_mail()
    with pytest.raises(NotFound):
        contact_accept_invitation(token="nonsense", password=STRONG)
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(days=8))
    with pytest.raises(NotFound):
        contact_accept_invitation(token=token, password=STRONG)


def test_reinvite_replaces_the_link(client_acme, billing):
    contact = contact_invite(
        client=client_acme, name="Ada", email="ada@acme.example", actor=billing, accept_url=ACCEPT
    )
    first = _token_from_mail()
    contact_reinvite(contact=contact, actor=billing, accept_url=ACCEPT)
    second = _token_from_mail()
    assert first != second
    with pytest.raises(NotFound):
        contact_accept_invitation(token=first, password=STRONG)
    contact = contact_accept_invitation(token=second, password=STRONG)
    with pytest.raises(Conflict):
        contact_reinvite(contact=contact, actor=billing, accept_url=ACCEPT)


def test_switching_off_disables_the_sign_in_and_audits(contact, billing):
    contact_update(contact=contact, actor=billing, is_active=False)
    contact.user.refresh_from_db()
    assert not contact.user.is_active
    entry = AuditEntry.objects.get(action="contact.update", object_id=str(contact.pk))
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}
    contact_update(contact=contact, actor=billing, is_active=True)
    contact.user.refresh_from_db()
    assert contact.user.is_active


def test_invite_and_accept_through_the_pages(client_acme, billing, engineer):
    page = login(billing).get(reverse("crm:client_detail", args=[client_acme.pk]))
    assert b"Invite a contact" in page.content
    assert (
        b"Invite a contact"
        not in login(engineer).get(reverse("crm:client_detail", args=[client_acme.pk])).content
    )
    response = login(billing).post(
        reverse("crm:contact_invite", args=[client_acme.pk]),
        {"name": "Ada Lovelace", "email": "ada@acme.example", "can_see_invoices": "on"},
    )
    assert response.status_code == 302
    contact = Contact.objects.get(email="ada@acme.example")
    assert contact.can_see_invoices and contact.client == client_acme
    token = _token_from_mail()
    assert mail.outbox[-1].body.count("http://testserver/portal/accept/") == 1

    visitor = HttpClient()
    form = visitor.get(reverse("portal:accept", args=[token]))
    assert form.status_code == 200 and b"Ada Lovelace" in form.content
    mismatch = visitor.post(
        reverse("portal:accept", args=[token]), {"password1": STRONG, "password2": STRONG + "x"}
    )
    assert mismatch.status_code == 422
    done = visitor.post(
        reverse("portal:accept", args=[token]), {"password1": STRONG, "password2": STRONG}
    )
    assert done.status_code == 302 and done["Location"] == reverse("portal:home")
    assert visitor.get(reverse("portal:home")).status_code == 200
    assert HttpClient().get(reverse("portal:accept", args=[token])).status_code == 404

    # Staff see the contact as active and can take invoices away.
    page = login(billing).get(reverse("crm:client_detail", args=[client_acme.pk])).content.decode()
    assert "ada@acme.example" in page and "Active" in page
    login(billing).post(
        reverse("crm:contact_change", args=[client_acme.pk, contact.pk]), {"change": "invoices_off"}
    )
    contact.refresh_from_db()
    assert not contact.can_see_invoices


def test_engineers_cannot_change_contacts_through_the_pages(contact, engineer):
    response = login(engineer).post(
        reverse("crm:contact_change", args=[contact.client_id, contact.pk]),
        {"change": "access_off"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.is_active


def test_contact_of_another_client_is_not_found_from_this_clients_url(
    contact, other_contact, billing
):
    response = login(billing).post(
        reverse("crm:contact_change", args=[contact.client_id, other_contact.pk]),
        {"change": "access_off"},
    )
    assert response.status_code == 302
    other_contact.refresh_from_db()
    assert other_contact.is_active
