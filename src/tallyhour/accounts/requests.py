"""Request types whose user is a Tallyhour user (for type checking only)."""

from tallyhour.accounts.models import User
from tallyhour.core.htmx import HtmxRequest


class PageRequest(HtmxRequest):
    """A signed-in page request that went through the htmx middleware."""

    user: User
