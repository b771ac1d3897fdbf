"""Reads about agents and who may see or approve whom."""

from django.db.models import Q, QuerySet

from tallyhour.accounts.models import Agent, ApiToken, Leave, Role, User


def approvers_of(agent_user: User) -> list[User]:
    """The agent's own timesheet approver, else their teams' approvers."""
    agent = Agent.objects.select_related("timesheet_approver").filter(user=agent_user).first()
    if agent is None:
        return []
    if agent.timesheet_approver is not None:
        return [agent.timesheet_approver]
    return [t.approver for t in agent.teams.select_related("approver") if t.approver is not None]


def can_approve(actor: User, agent_user: User) -> bool:
    """Nobody approves their own time; admins may act for anyone else."""
    if actor.pk == agent_user.pk:
        return False
    if actor.is_admin_role:
        return True
    return any(a.pk == actor.pk for a in approvers_of(agent_user))


def approved_agent_ids(actor: User) -> QuerySet[Agent]:
    """Agents whose time `actor` approves (directly, or as team approver without an override)."""
    return Agent.objects.filter(
        Q(timesheet_approver=actor) | Q(timesheet_approver__isnull=True, teams__approver=actor)
    ).exclude(user=actor)


def agents_visible_to(actor: User) -> QuerySet[Agent]:
    agents = Agent.objects.select_related("user")
    if actor.is_billing_role or actor.role == Role.ADMIN:
        return agents
    # Whoever approves an agent's time may see the agent, whatever their role.
    ids = approved_agent_ids(actor).values("user_id")
    return agents.filter(Q(user=actor) | Q(user__in=ids))


def can_see_agent(actor: User, agent_user_id: int) -> bool:
    return agents_visible_to(actor).filter(user_id=agent_user_id).exists()


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
