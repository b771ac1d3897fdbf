"""NUL characters in the token form: a 4xx on both databases."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["client_id", "client_secret", "scope", "grant_type"])
def test_nul_in_the_token_form_is_a_4xx(field):
    form = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
    form[field] = "a\x00b"
    answer = Client().post("/auth/token", form)
    assert 400 <= answer.status_code < 500
