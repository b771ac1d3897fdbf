"""API: agents (the people who log time), their leave, and the caller's own API tokens."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema, Status

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.accounts.lookups import agent_from
from tallyhour.accounts.models import (
    Agent,
    ApiToken,
    Leave,
    LeaveKind,
    Role,
    Scope,
    scopes_for_role,
)
from tallyhour.accounts.selectors import agents_visible_to, api_tokens_of, leaves_visible_to
from tallyhour.accounts.services import (
    api_token_create,
    api_token_grantable_scopes,
    api_token_revoke,
    leave_create,
    leave_delete,
)
from tallyhour.core import dates
from tallyhour.core.apikit.created import created
from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.schemas import (
    Day,
    Instant,
    ObjectId,
    Page,
    Paging,
    Text,
    error_responses,
    paginate,
)
from tallyhour.core.errors import Forbidden, InvalidInput, NotFound
from tallyhour.core.idempotency import idempotency_header

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


@router.get(
    "/agents",
    response={200: list[AgentOut], **error_responses()},
    summary="List agents",
    openapi_extra=examples(
        response=[
            {
                "id": 7,
                "username": "sam",
                "name": "Sam Patel",
                "role": "engineer",
                "timezone": "Europe/London",
                "teams": ["Service desk"],
                "timesheet_approver_id": 3,
            }
        ]
    ),
)
def list_agents(request: AuthedRequest) -> QuerySet[Agent]:
    """Agents the caller may see: engineers see themselves, approvers also the agents they
    approve, billing and admin users everyone."""
    return agents_visible_to(request.auth).prefetch_related("teams").order_by("user__username")


# --- leave --------------------------------------------------------------------------------------


class LeaveOut(Schema):
    id: int
    agent_id: int = Field(..., description="The absent agent's user id.")
    kind: LeaveKind
    first_day: dt.date
    last_day: dt.date = Field(..., description="Inclusive.")
    hours: Decimal | None = Field(
        ..., description="Hours off on each day; null for whole working days."
    )
    note: str
    created_by_id: int | None
    created_at: dt.datetime


class LeaveIn(Schema):
    kind: LeaveKind = LeaveKind.ANNUAL
    first_day: Day = Field(..., description="First local day of the absence.")
    last_day: Day | None = Field(None, description="Last local day, inclusive; omit for one day.")
    hours: Decimal | None = Field(
        None,
        ge=Decimal("0.25"),
        le=24,
        max_digits=4,
        decimal_places=2,
        description="Hours off on each day; omit for whole working days.",
    )
    note: Text = Field("", max_length=200)
    agent_id: ObjectId | None = Field(
        None, description="Defaults to the caller; approvers and admins may record it for others."
    )


class LeaveFilters(Paging):
    agent_id: ObjectId | None = None
    kind: LeaveKind | None = None
    start: Day | None = Field(None, description="Only leave that ends on or after this day.")
    end: Day | None = Field(None, description="Only leave that starts on or before this day.")
    ordering: Literal["first_day", "-first_day"] = Field(
        "-first_day", description="`-first_day` (default) lists the latest leave first."
    )


@router.get(
    "/leave",
    response={200: Page[LeaveOut], **error_responses(422)},
    summary="List leave",
    tags=["leave"],
)
def list_leave(request: AuthedRequest, filters: Query[LeaveFilters]) -> dict[str, Any]:
    """Absences (annual, sick, other) of the agents the caller may see: engineers their own,
    approvers also their agents', billing and admin users everyone's. Leave lowers an agent's
    target hours; it is not logged time. `start`/`end` select leave overlapping those days."""
    if filters.start and filters.end and filters.end < filters.start:
        raise InvalidInput("end must not be before start.", fields={"end": "before start"})
    leave = leaves_visible_to(request.auth)
    if filters.agent_id is not None:
        leave = leave.filter(agent_id=filters.agent_id)
    if filters.kind is not None:
        leave = leave.filter(kind=filters.kind)
    if filters.start is not None:
        leave = leave.filter(last_day__gte=filters.start)
    if filters.end is not None:
        leave = leave.filter(first_day__lte=filters.end)
    tie_break = "-id" if filters.ordering.startswith("-") else "id"
    return paginate(leave.order_by(filters.ordering, tie_break), filters)


@router.post(
    "/leave",
    response={201: LeaveOut, **error_responses(403, 409, 422)},
    summary="Record leave",
    tags=["leave"],
    openapi_extra=examples(
        body={
            "a week off": {"kind": "annual", "first_day": "2026-12-21", "last_day": "2026-12-24"},
            "half a day": {"kind": "other", "first_day": "2026-11-18", "hours": "4.00"},
            "for an agent": {"kind": "sick", "first_day": "2026-11-19", "agent_id": 7},
        }
    ),
)
def create_leave(
    request: AuthedRequest, payload: LeaveIn, idempotency_key: str | None = idempotency_header()
) -> Any:
    """Record an absence over whole local days, or some hours of each day. Agents record their
    own; their approvers and admins may record it for them. Overlapping leave is refused
    (409). Honours `Idempotency-Key`."""

    def create() -> Leave:
        agent_user = agent_from(request.auth, payload.agent_id) or request.auth
        agent = Agent.objects.filter(user=agent_user).first()
        if agent is None:
            raise InvalidInput("Only agents have leave.", fields={"agent_id": "not an agent"})
        leave = leave_create(
            agent=agent,
            actor=request.auth,
            kind=payload.kind,
            first_day=payload.first_day,
            last_day=payload.last_day,
            hours=payload.hours,
            note=payload.note,
        )
        # As stored (hours with two places), the same as a later read answers.
        return Leave.objects.get(pk=leave.pk)

    return created(request, payload=payload, schema=LeaveOut, create=create)


@router.delete(
    "/leave/{leave_id}",
    response={204: None, **error_responses(403, 404)},
    summary="Delete leave",
    tags=["leave"],
)
def delete_leave(request: AuthedRequest, leave_id: ObjectId) -> Status:
    """Remove an absence: the agent's own, or (for approvers and admins) their agents'."""
    leave = leaves_visible_to(request.auth).filter(pk=leave_id).first()
    if leave is None:
        raise NotFound(f"Leave {leave_id} not found.")
    leave_delete(leave=leave, actor=request.auth)
    return Status(204, None)


# --- API tokens ---------------------------------------------------------------------------------

MAX_EXPIRY_DAYS = 3650


def _check_may_manage_tokens(request: AuthedRequest) -> None:
    # A leaked token must not be able to mint itself a successor or revoke its user's other
    # tokens: token writes take the browser session, or a token holding the admin scope.
    calling: ApiToken | None = getattr(request, "api_token", None)
    if calling is not None and "admin" not in calling.effective_scopes():
        raise Forbidden(
            "Manage API tokens signed in (session), or with a token holding the admin scope.",
            code="insufficient_scope",
            fields={"scope": "admin"},
        )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(..., description="The token's first characters, to recognise it.")
    scopes: list[Scope]
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(..., description="The secret, shown this once; only its digest is kept.")


class TokenIn(Schema):
    name: Text = Field(..., min_length=1, max_length=100)
    scopes: list[Scope] | None = Field(
        None,
        max_length=10,
        description="Omit for every scope your role allows.",
    )
    expires_at: Instant | None = Field(None, description="Omit for a token that never expires.")


@router.get(
    "/tokens",
    response={200: list[TokenOut], **error_responses()},
    summary="List my API tokens",
    tags=["api tokens"],
    openapi_extra=examples(
        response=[
            {
                "id": 12,
                "name": "Time import script",
                "prefix": "th_Xy3kPq9",
                "scopes": ["read", "time"],
                "created_at": "2026-11-02T09:15:00Z",
                "last_used_at": "2026-11-26T08:01:00Z",
                "expires_at": None,
                "revoked_at": None,
            }
        ]
    ),
)
def list_tokens(request: AuthedRequest) -> QuerySet[ApiToken]:
    """The caller's own tokens, newest first, revoked and expired ones included. Secrets are
    never shown again after creation."""
    return api_tokens_of(request.auth)


@router.post(
    "/tokens",
    response={201: NewTokenOut, **error_responses(403, 422)},
    summary="Create an API token",
    tags=["api tokens"],
    openapi_extra=examples(
        body={
            "script": {"name": "Time import script", "scopes": ["read", "time"]},
            "expiring": {
                "name": "Month-end report",
                "scopes": ["read"],
                "expires_at": "2027-01-31T00:00:00Z",
            },
        }
    ),
)
def create_token(request: AuthedRequest, payload: TokenIn) -> Status:
    """A bearer token for the caller, narrowed to `scopes`; the secret is in this answer only.
    Needs the browser session, or a token with the `admin` scope (which can only grant the
    scopes it holds).
    `Idempotency-Key` is deliberately not honoured here: replaying the answer would mean
    storing the secret, and only its digest is ever kept. A lost answer costs one revoke."""
    if payload.expires_at is not None and not (
        dates.now() < payload.expires_at <= dates.now() + dt.timedelta(days=MAX_EXPIRY_DAYS)
    ):
        raise InvalidInput(
            f"expires_at must be within the next {MAX_EXPIRY_DAYS} days.",
            fields={"expires_at": "out of range"},
        )
    _check_may_manage_tokens(request)
    wanted = None if payload.scopes is None else [str(scope) for scope in payload.scopes]
    calling: ApiToken | None = getattr(request, "api_token", None)
    if calling is not None:
        # A narrow token must not mint a broader one.
        held = api_token_grantable_scopes(user=request.auth, calling_token=calling)
        if wanted is None:
            wanted = held
        elif (set(wanted) & set(scopes_for_role(request.auth.role))) - set(held):
            # Scopes beyond the role are the service's 422; beyond the token, refused here.
            raise Forbidden(
                "A token can only create tokens with scopes it holds itself.",
                code="insufficient_scope",
                fields={"scopes": "beyond the calling token"},
            )
    token, raw = api_token_create(
        user=request.auth,
        actor=request.auth,
        name=payload.name,
        scopes=wanted,
        expires_at=payload.expires_at,
    )
    token.token = raw  # type: ignore[attr-defined]
    return Status(201, token)


@router.post(
    "/tokens/{token_id}/revoke",
    response={200: TokenOut, **error_responses(404)},
    summary="Revoke an API token",
    tags=["api tokens"],
)
def revoke_token(request: AuthedRequest, token_id: ObjectId) -> ApiToken:
    """Stop one of the caller's tokens working from now on; revoking twice is harmless.
    Needs the browser session or a token with the `admin` scope."""
    _check_may_manage_tokens(request)
    token = api_tokens_of(request.auth).filter(pk=token_id).first()
    if token is None:
        raise NotFound(f"Token {token_id} not found.")
    return api_token_revoke(token=token, actor=request.auth)
