"""Domain errors raised by page views are answered by one middleware, as the views used to
answer them one by one; the API keeps its JSON errors."""

import pytest
from django.urls import reverse

from tests.pages.helpers import HTMX, login

pytestmark = pytest.mark.django_db


def test_htmx_error_is_an_alert_in_the_message_area(engineer):
    response = login(engineer).post(reverse("timetracking:timer_pause", args=[999999]), **HTMX)
    assert response.status_code == 404
    assert response["HX-Retarget"] == "#messages" and response["HX-Reswap"] == "innerHTML"
    assert 'role="alert"' in response.text or "alert" in response.text


def test_form_post_error_flashes_and_goes_back(engineer):
    http = login(engineer)
    response = http.post(reverse("timetracking:timer_pause", args=[999999]), {"next": "/tickets/"})
    assert response.status_code == 302 and response["Location"] == "/tickets/"
    assert "not found" in http.get("/tickets/").text.lower()


def test_page_error_is_a_whole_page_even_for_htmx(engineer):
    response = login(engineer).get(reverse("servicedesk:ticket_detail", args=[999999]), **HTMX)
    assert response.status_code == 404 and "HX-Retarget" not in response
    assert "<html" in response.text.lower()


def test_api_errors_stay_json(engineer):
    response = login(engineer).get("/api/v1/tickets/999999")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]
