"""Personas are created with passwords in every test; the production hasher (PBKDF2) spends
half a second on each, so tests use a fast one."""

import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
