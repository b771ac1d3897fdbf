"""A contact who forgot their password gets a one-time link by email; nobody else does."""

import re

import pytest
from django.core import mail
from django.test import Client as HttpClient

pytestmark = pytest.mark.django_db


def _reset_link(body: str) -> str:
    match = re.search(r"http://testserver(/portal/password-reset/[^/\s]+/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_a_contact_resets_their_password_and_signs_in(contact):
    http = HttpClient()
    response = http.post("/portal/password-reset/", {"email": "ADA@acme.example"})
    assert response.status_code == 302 and response["Location"] == "/portal/password-reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@acme.example"]

    form = http.get(_reset_link(mail.outbox[0].body), follow=True)
    assert b"Choose a new password" in form.content
    done = http.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brisk-otter-42", "new_password2": "brisk-otter-42"},
    )
    assert done.status_code == 302 and done["Location"] == "/portal/password-reset/done/"

    signed_in = HttpClient().post(
        "/portal/login/", {"username": "ada@acme.example", "password": "brisk-otter-42"}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/portal/"
    # The link works once.
    again = http.get(_reset_link(mail.outbox[0].body), follow=True)
    assert b"Link not valid" in again.content


def test_no_mail_for_staff_unknown_or_switched_off_addresses(contact, engineer):
    engineer.email = "eng@msp.example"
    engineer.save()
    contact.is_active = False
    contact.save()
    http = HttpClient()
    for email in ("eng@msp.example", "nobody@acme.example", "ada@acme.example"):
        response = http.post("/portal/password-reset/", {"email": email})
        # The same answer either way, so the form does not reveal who has an account.
        assert response.status_code == 302 and response["Location"].endswith("/sent/")
    assert mail.outbox == []
