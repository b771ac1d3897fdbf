"""Users and agents named by id in an API request (422 or 404 naming the field)."""

from tallyhour.accounts.models import Agent, Organisation, User
from tallyhour.accounts.selectors import agents_visible_to, staff_users
from tallyhour.core.apikit.lookups import one_or_invalid
from tallyhour.core.errors import InvalidInput, NotFound


def staff_user_from(pk: int | None, field: str) -> User | None:
    # Portal contacts are users too, but never assignees or an application's agent.
    return one_or_invalid(staff_users, pk, field, "user")


def agent_from(actor: User, pk: int | None, field: str = "agent_id") -> User | None:
    """An agent the actor may see, named in a request body (422 when unknown)."""
    if pk is None:
        return None
    agent = agents_visible_to(actor).filter(user_id=pk).first()
    if agent is None:
        raise InvalidInput(f"There is no agent {pk}.", fields={field: "unknown"})
    return agent.user


def visible_agent(actor: User, pk: int) -> User:
    """An agent named in the URL: 404 when unknown or not visible to the actor."""
    agent = agents_visible_to(actor).filter(user_id=pk).first()
    if agent is None:
        raise NotFound(f"Agent {pk} not found.")
    return agent.user


def zone_name_of(user: User) -> str:
    """The caller's own time zone (their agent profile's, else the organisation's)."""
    zone = Agent.objects.filter(user=user).values_list("timezone", flat=True).order_by().first()
    return zone or Organisation.current().timezone
