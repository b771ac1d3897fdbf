"""API: the caller's notices (capped timers and other things the system told them)."""

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema

from tallyhour.core.apikit.examples import examples
from tallyhour.core.apikit.requests import ApiRequest
from tallyhour.core.apikit.schemas import ObjectId, Page, Paging, error_responses, paginate
from tallyhour.core.notices import notice_mark_read, notices_for

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    text: str
    url: str = Field(..., description="Page the notice is about (relative), or empty.")
    created_at: dt.datetime
    read_at: dt.datetime | None


class NoticeFilters(Paging):
    unread: bool | None = Field(None, description="true: only unread; false: only read.")


class MarkReadIn(Schema):
    notice_id: ObjectId | None = Field(None, description="Omit to mark every notice read.")


class MarkReadOut(Schema):
    marked: int = Field(..., description="Notices that were unread and now are read.")


@router.get(
    "/notices", response={200: Page[NoticeOut], **error_responses(422)}, summary="List my notices"
)
def list_notices(request: ApiRequest, filters: Query[NoticeFilters]) -> dict[str, Any]:
    """The caller's notices, newest first (e.g. a forgotten timer that was capped)."""
    notices = notices_for(request.auth)
    if filters.unread is not None:
        notices = notices.filter(read_at__isnull=filters.unread)
    return paginate(notices, filters)


@router.post(
    "/notices/read",
    response={200: MarkReadOut, **error_responses(404, 422)},
    summary="Mark notices read",
    openapi_extra=examples(body={"one": {"notice_id": 42}, "all": {}}),
)
def mark_notices_read(request: ApiRequest, payload: MarkReadIn | None = None) -> dict[str, int]:
    """Mark one notice, or without `notice_id` all of them, read; marking twice is harmless."""
    notice_id = payload.notice_id if payload else None
    return {"marked": notice_mark_read(user=request.auth, notice_id=notice_id)}
