"""In-app notices (shown in the page header until read), each also sent by email."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet

from tallyhour.core import dates
from tallyhour.core.errors import NotFound
from tallyhour.core.models import Notice


def notice_send(
    *, user: Any, text: str, url: str = "", subject: str = "", now: dt.datetime | None = None
) -> Notice:
    """Tell `user` something: a notice now, and an email once the transaction commits."""
    notice = Notice.objects.create(user=user, text=text, url=url, created_at=now or dates.now())
    address = getattr(user, "email", "")
    if address:
        transaction.on_commit(
            lambda: send_mail(
                f"Tallyhour: {subject or 'notice'}",
                text,
                settings.DEFAULT_FROM_EMAIL,
                [address],
                fail_silently=True,
            )
        )
    return notice


def notices_for(user: Any) -> QuerySet[Notice]:
    return Notice.objects.filter(user=user)


def notice_mark_read(
    *, user: Any, notice_id: int | None = None, now: dt.datetime | None = None
) -> int:
    """Mark one notice (or, without an id, all of them) read; answers how many changed."""
    unread = Notice.objects.filter(user=user, read_at__isnull=True)
    if notice_id is not None:
        if not Notice.objects.filter(user=user, pk=notice_id).exists():
            raise NotFound(f"Notice {notice_id} not found.")
        unread = unread.filter(pk=notice_id)
    return unread.update(read_at=now or dates.now())
