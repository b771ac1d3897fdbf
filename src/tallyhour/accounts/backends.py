"""Sign-in backends: login throttling, and the user loader every request goes through."""

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from tallyhour.accounts.models import User


class LockoutBackend(AxesStandaloneBackend):
    """Axes lockout for web sign-ins; calls without a request (commands, tests) are not
    password attempts from the network, so they pass through to the next backend."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> Any:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


class UserBackend(ModelBackend):
    """Password sign-in; loads the session's user with their agent profile in one query, since
    nearly every page needs the agent's zone or charge type."""

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("agent").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
