"""The request type API routes receive (for type checking only)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest


class ApiRequest(HttpRequest):
    """A request that passed authentication: `auth` is the calling user."""

    auth: AbstractBaseUser
