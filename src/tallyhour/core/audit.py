"""The one way to write the audit log."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, models

from tallyhour.core import sql
from tallyhour.core.models import AuditEntry


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """JSON-safe copy of the named fields (foreign keys by id)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)  # type: ignore[union-attr]
        if isinstance(value, dt.datetime | dt.date | dt.time):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        data[name] = value
    return data


# (object, before, after): one audited change.
Change = tuple[models.Model, dict[str, Any] | None, dict[str, Any] | None]


def _row(actor: Any, action: str, change: Change, reason: str) -> AuditEntry:
    obj, before, after = change
    return AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        reason=reason,
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    entry = _row(actor, action, (obj, before, after), reason)
    if connection.vendor == "postgresql":
        sql.audit_insert(entry)
    else:
        entry.save()
    return entry


def audit_record_many(
    *, actor: Any, action: str, changes: Iterable[Change], reason: str = ""
) -> None:
    """One audit row per (object, before, after), written in one INSERT for a batch."""
    AuditEntry.objects.bulk_create(_row(actor, action, change, reason) for change in changes)


class Audited:
    """An object's named fields as they were, to audit against what they become.

    Take it before changing the object, then `record` once it is saved: the row's before and
    after are the same fields' snapshots (`extra` joins the after side)."""

    def __init__(self, obj: models.Model, fields: list[str]) -> None:
        self.obj, self.fields = obj, fields
        self.before = snapshot(obj, fields)

    def record(
        self, *, actor: Any, action: str, reason: str = "", extra: dict[str, Any] | None = None
    ) -> AuditEntry:
        after = snapshot(self.obj, self.fields)
        return audit_record(
            actor=actor,
            action=action,
            obj=self.obj,
            before=self.before,
            after={**after, **extra} if extra else after,
            reason=reason,
        )


def history_for(obj: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
