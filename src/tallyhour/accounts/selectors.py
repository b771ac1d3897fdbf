"""Reads about agents: whom an actor may see, their tokens and leave (who may approve
whom is in `permissions`)."""

import base64

from django.db.models import Count, Q, QuerySet

from tallyhour.accounts.models import Agent, ApiToken, Leave, Organisation, Role, Team, User
from tallyhour.accounts.permissions import approved_agent_ids, can_bill


def agents_visible_to(actor: User) -> QuerySet[Agent]:
    agents = Agent.objects.select_related("user")
    if can_bill(actor):
        return agents
    # Whoever approves an agent's time may see the agent, whatever their role.
    ids = approved_agent_ids(actor).values("user_id")
    return agents.filter(Q(user=actor) | Q(user__in=ids))


def teams_visible_to(actor: User) -> QuerySet[Team]:
    """Every staff user may see the teams and how many agents each has (not who they are:
    that is `agents_visible_to`)."""
    return Team.objects.annotate(agent_count=Count("agents")).order_by("name", "id")


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first; only their prefixes are ever shown."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def leaves_visible_to(actor: User) -> QuerySet[Leave]:
    """Leave of the agents the actor may see (engineers: their own)."""
    agents = agents_visible_to(actor).values("pk")
    return Leave.objects.select_related("agent__user").filter(agent__in=agents)


def users_visible_to(actor: User) -> QuerySet[User]:
    """People the actor may name (as assignee, or whose time to log): staff may name anyone,
    and the services refuse what the role may not do with them (a contact as assignee);
    a client contact names only themself."""
    users = User.objects.order_by("pk")
    return users.filter(pk=actor.pk) if actor.is_contact else users


def staff_users() -> QuerySet[User]:
    """Active people who work for the MSP (everyone but client portal contacts), for pickers."""
    return User.objects.filter(is_active=True).exclude(role=Role.CONTACT)


LOGO_TYPES = frozenset({"image/png", "image/jpeg"})


def organisation_logo_uri(org: Organisation) -> str:
    """The logo inline as a data: URI, which both the pages' CSP (img-src data:) and the PDF
    renderer accept without fetching anything; empty without a logo."""
    logo = bytes(org.logo or b"")
    if not logo or org.logo_content_type not in LOGO_TYPES:
        return ""
    return f"data:{org.logo_content_type};base64,{base64.b64encode(logo).decode('ascii')}"
