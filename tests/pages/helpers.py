"""Shared helpers for page tests."""

from django.test import Client as HttpClient

from tallyhour.accounts.models import User

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(user: User) -> HttpClient:
    """A browser signed in as `user`.

    The user factory sets the password after saving and never saves it again, so the
    stored hash is saved here first; otherwise the session's auth hash (taken from the
    in-memory password) would not match the database and the session would be dropped.
    """
    user.save(update_fields=["password"])
    http = HttpClient()
    http.force_login(user)
    return http
