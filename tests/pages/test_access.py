"""Who may open which page: the right persona gets 200, the wrong one 403, anonymous the login."""

import pytest
from django.urls import reverse

from tallyhour.billing.runs import invoice_run_execute
from tallyhour.timesheets.services import submission_approve, submission_submit
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at
from tests.pages.helpers import login

pytestmark = pytest.mark.django_db

# "/" itself sends each role to its own start page (see test_navigation.py).
PAGES = {
    "my_week": reverse("timesheets:my_week"),
    "week": reverse("timesheets:week", args=["2026-W47"]),
    "approvals": reverse("timesheets:approvals"),
    "billing": reverse("billing:run"),
    "invoices": reverse("billing:invoice_list"),
    "utilisation": reverse("reports:utilisation"),
    "settings": reverse("settings_overview"),
}

ALLOWED = {
    "engineer": {"my_week", "week"},
    "approver": {"my_week", "week", "approvals", "utilisation"},
    "billing": {"my_week", "week", "billing", "invoices", "utilisation"},
    "admin": set(PAGES),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_anonymous_is_sent_to_login(client, org, page):
    response = client.get(PAGES[page])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", sorted(ALLOWED))
@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_by_role(request, persona, page, engineer):
    user = request.getfixturevalue(persona)
    response = login(user).get(PAGES[page])
    expected = 200 if page in ALLOWED[persona] else 403
    assert response.status_code == expected, (persona, page)
    if expected == 403:
        assert b"can't open this page" in response.content


def test_login_page_and_sign_in(client, engineer):
    engineer.save(update_fields=["password"])  # the factory does not save it
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'<label for="id_username">' in page.content
    response = client.post(reverse("login"), {"username": "engineer", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_logout_is_a_post_form_in_the_header(engineer):
    http = login(engineer)
    page = http.get(reverse("home")).content.decode()
    assert f'action="{reverse("logout")}"' in page
    assert http.post(reverse("logout")).status_code == 302
    assert http.get(reverse("home")).status_code == 302


def test_navigation_shows_only_what_the_role_may_open(engineer, approver, billing):
    assert b"Approvals" not in login(engineer).get("/").content
    assert b"Billing" not in login(engineer).get("/").content
    approver_page = login(approver).get("/", follow=True).content
    assert b"Approvals" in approver_page and b"Reports" in approver_page
    assert b">Billing<" not in approver_page
    billing_page = login(billing).get("/", follow=True).content
    assert b">Billing<" in billing_page and b">Approvals<" not in billing_page


def test_invoice_detail_is_for_billing_only(engineer, approver, billing, ticket):
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=60, ticket=ticket
    )
    submission_approve(
        submission=submission_submit(agent=engineer, week_start=MONDAY, actor=engineer),
        actor=approver,
    )
    [invoice] = invoice_run_execute(cut_off=MONDAY, actor=billing, commit=True).invoices
    url = reverse("billing:invoice_detail", args=[invoice.pk])
    assert login(billing).get(url).status_code == 200
    assert login(engineer).get(url).status_code == 403
    assert login(approver).get(url).status_code == 403
    assert login(billing).get(reverse("billing:invoice_detail", args=[99999])).status_code == 404


def test_pages_send_no_inline_scripts_or_styles(engineer):
    page = login(engineer).get("/").content.decode()
    assert "<script>" not in page and "<script " in page  # only src= scripts
    assert 'style="' not in page and "<style" not in page
    for tag in page.split("<script ")[1:]:
        assert tag.startswith("src=")


def test_unknown_address_is_the_sites_404_page(engineer):
    response = login(engineer).get("/no-such-page/")
    assert response.status_code == 404
    assert b"Not found" in response.content and b"Tallyhour" in response.content


def test_server_error_page_needs_no_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html and "Nothing you entered was half-saved" in html
