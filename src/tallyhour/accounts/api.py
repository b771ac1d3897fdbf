"""API: agents (the people who log time) as the caller may see them."""

from django.db.models import QuerySet
from ninja import Field, Router, Schema

from tallyhour.accounts.models import Agent, Role
from tallyhour.accounts.selectors import agents_visible_to
from tallyhour.api.auth import AuthedRequest
from tallyhour.api.schemas import error_responses

router = Router(tags=["agents"])


class AgentOut(Schema):
    id: int = Field(..., alias="user_id", description="The agent's user id.")
    username: str = Field(..., alias="user.username")
    name: str = Field(..., alias="user.display_name")
    role: Role = Field(..., alias="user.role")
    timezone: str = Field(..., description="IANA zone for the agent's days and weeks.")
    teams: list[str] = Field(..., description="Names of the agent's teams.")
    timesheet_approver_id: int | None

    @staticmethod
    def resolve_teams(agent: Agent) -> list[str]:
        return [team.name for team in agent.teams.all()]


@router.get("/agents", response={200: list[AgentOut], **error_responses()}, summary="List agents")
def list_agents(request: AuthedRequest) -> QuerySet[Agent]:
    """Agents the caller may see: engineers see themselves, approvers also the agents they
    approve, billing and admin users everyone."""
    return agents_visible_to(request.auth).prefetch_related("teams").order_by("user__username")
