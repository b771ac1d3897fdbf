"""API: applications for the HaloPSA-compatible API (admins only).

The Halo-compatible endpoints themselves live in `halo.views`; this router manages who may
call them, like the admin page does.
"""

import datetime as dt

from django.db.models import QuerySet
from ninja import Field, Router, Schema, Status

from tallyhour.accounts.apiauth import AuthedRequest
from tallyhour.accounts.lookups import staff_user_from
from tallyhour.accounts.models import Scope
from tallyhour.accounts.permissions import can_admin
from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.schemas import ObjectId, Text, error_responses
from tallyhour.core.errors import Forbidden, NotFound
from tallyhour.halo.models import ApiApplication
from tallyhour.halo.services import api_application_create, api_application_revoke

router = Router(tags=["api applications"])


class ApplicationOut(Schema):
    id: int
    name: str
    client_id: str = Field(..., description="OAuth2 client id for POST /auth/token.")
    agent_id: int = Field(..., description="The agent the application acts as.")
    created_by_id: int | None = Field(
        ..., description="The admin who registered it; its tokens never exceed their grant."
    )
    scopes: str = Field(..., description="Native scopes its tokens may hold, space separated.")
    is_active: bool
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class NewApplicationOut(ApplicationOut):
    client_secret: str = Field(..., description="Shown only here; only its digest is kept.")


class ApplicationIn(Schema):
    name: Text = Field(..., min_length=1, max_length=100)
    agent_id: ObjectId = Field(..., description="The active user whose permissions it uses.")
    act_as_other: bool = Field(
        False,
        description="Required (true) when `agent_id` is not you: the application then acts "
        "with another user's permissions. Recorded in the audit log; its tokens still never "
        "decide on your own time.",
    )
    scopes: list[Scope] | None = Field(
        None,
        max_length=10,
        description="Omit for every scope you hold (through this token, if you call with one) "
        "that the agent's role allows; never more than that.",
    )


def _check_admin(request: AuthedRequest) -> None:
    if not can_admin(request.auth):
        raise Forbidden("API applications are managed by admins.")


@router.get(
    "/api-applications",
    response={200: list[ApplicationOut], **error_responses(403)},
    summary="List HaloPSA API applications",
    openapi_extra=examples(
        response=[
            {
                "id": 2,
                "name": "RMM sync",
                "client_id": "4f1c2a9e-5b7d-4e0a-9c1f-2d3e4f5a6b7c",
                "agent_id": 7,
                "created_by_id": 1,
                "scopes": "read time approve",
                "is_active": True,
                "created_at": "2026-10-01T08:00:00Z",
                "last_used_at": "2026-11-26T07:55:00Z",
            }
        ]
    ),
)
def list_api_applications(request: AuthedRequest) -> QuerySet[ApiApplication]:
    """Admins only. Every client-credentials application, by name; secrets are never shown."""
    _check_admin(request)
    return ApiApplication.objects.all()


@router.post(
    "/api-applications",
    response={201: NewApplicationOut, **error_responses(403, 422)},
    summary="Create a HaloPSA API application",
    openapi_extra=examples(
        body={
            "an RMM tool acting as a service agent": {
                "name": "RMM sync",
                "agent_id": 7,
                "act_as_other": True,
                "scopes": ["read", "time"],
            }
        }
    ),
)
def create_api_application(request: AuthedRequest, payload: ApplicationIn) -> Status:
    """Admins only. Halo scripts exchange the returned client id and secret for a token at
    `POST /auth/token`, then act as the chosen agent. Its scopes never exceed the caller's
    (or the calling token's). `Idempotency-Key` is deliberately not honoured: replaying the
    answer would mean storing the secret."""
    _check_admin(request)
    agent = staff_user_from(payload.agent_id, "agent_id")
    assert agent is not None
    application, secret = api_application_create(
        name=payload.name,
        agent=agent,
        actor=request.auth,
        scopes=None if payload.scopes is None else [str(scope) for scope in payload.scopes],
        act_as_other=payload.act_as_other,
        actor_token=getattr(request, "api_token", None),
    )
    application.client_secret = secret  # type: ignore[attr-defined]
    return Status(201, application)


@router.post(
    "/api-applications/{application_id}/revoke",
    response={200: ApplicationOut, **error_responses(403, 404)},
    summary="Revoke a HaloPSA API application",
)
def revoke_api_application(request: AuthedRequest, application_id: ObjectId) -> ApiApplication:
    """Admins only. The application can no longer get tokens and those it holds stop working."""
    _check_admin(request)
    application = ApiApplication.objects.filter(pk=application_id).first()
    if application is None:
        raise NotFound(f"API application {application_id} not found.")
    return api_application_revoke(application=application, actor=request.auth)
