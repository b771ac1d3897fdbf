"""Who may do what: the role and approval predicates that services, selectors, views,
templates and both APIs ask, so a page never offers what the service would refuse."""

from django.db.models import Q, QuerySet

from tallyhour.accounts.models import Agent, Role, User
from tallyhour.core.errors import Forbidden


def can_admin(actor: User) -> bool:
    """Organisation settings, other people's time, API applications, webhooks."""
    return actor.is_admin_role


def can_bill(actor: User) -> bool:
    """Billing users and admins: clients' money, contracts, invoices, everyone's time."""
    return actor.is_billing_role


def require_billing(actor: User, message: str) -> None:
    """Refuse everyone but billing users and admins with `message`."""
    if not can_bill(actor):
        raise Forbidden(message)


def can_use_approvals(actor: User) -> bool:
    """The approvals queue is for approvers and admins (billing users see time, not decide)."""
    return actor.role == Role.APPROVER or can_admin(actor)


def can_see_reports(actor: User) -> bool:
    """Reports are for people who manage others' time or bill it."""
    return actor.role == Role.APPROVER or can_bill(actor)


def can_pick_agent(actor: User) -> bool:
    """Whether pages offer a choice of whose time to show (engineers only see their own)."""
    return actor.role == Role.APPROVER or can_bill(actor)


def can_log_for(actor: User, agent_user: User) -> bool:
    """Time is written by the agent themselves, or by an admin on their behalf."""
    return actor.pk == agent_user.pk or can_admin(actor)


def approvers_of(agent_user: User) -> list[User]:
    """The agent's own timesheet approver, else their teams' approvers."""
    agent = Agent.objects.select_related("timesheet_approver").filter(user=agent_user).first()
    if agent is None:
        return []
    if agent.timesheet_approver is not None:
        return [agent.timesheet_approver]
    return [t.approver for t in agent.teams.select_related("approver") if t.approver is not None]


def approved_agent_ids(actor: User) -> QuerySet[Agent]:
    """Agents whose time `actor` approves (directly, or as team approver without an override)."""
    return Agent.objects.filter(
        Q(timesheet_approver=actor) | Q(timesheet_approver__isnull=True, teams__approver=actor)
    ).exclude(user=actor)


def is_own_time(actor: User, agent_user_id: int | None) -> bool:
    """Whether deciding on this agent's time would be deciding on one's own: the actor's own,
    or, through a token someone else granted (an API application's), that person's."""
    return agent_user_id is not None and agent_user_id in (actor.pk, actor.delegated_by_id)


def can_approve(actor: User, agent_user: User) -> bool:
    """Approve, reject, write off or reopen the agent's time: nobody decides on their own
    time; admins may act for anyone else, others only as the agent's approver."""
    if is_own_time(actor, agent_user.pk):
        return False
    if can_admin(actor):
        return True
    return any(a.pk == actor.pk for a in approvers_of(agent_user))


def can_see_agent(actor: User, agent_user_id: int) -> bool:
    """Themselves, the agents whose time they approve, or anyone for billing users."""
    agents = Agent.objects.filter(user_id=agent_user_id)
    if not can_bill(actor):
        approved = approved_agent_ids(actor).values("user_id")
        agents = agents.filter(Q(user=actor) | Q(user__in=approved))
    return agents.exists()


def logs_time(actor: User) -> bool:
    """Engineers, approvers and admins log their own time (billing users bill others')."""
    return actor.role != Role.BILLING or actor.is_superuser
