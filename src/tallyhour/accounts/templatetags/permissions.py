"""The permission predicates as template filters (`{% if user|can_bill %}`), so pages show
exactly the links and buttons the services allow. Signed-out visitors may do nothing."""

from typing import Any

from django import template

from tallyhour.accounts import permissions

register = template.Library()


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


@register.filter
def can_admin(user: Any) -> bool:
    return _signed_in(user) and permissions.can_admin(user)


@register.filter
def can_bill(user: Any) -> bool:
    return _signed_in(user) and permissions.can_bill(user)


@register.filter
def can_use_approvals(user: Any) -> bool:
    return _signed_in(user) and permissions.can_use_approvals(user)


@register.filter
def can_see_reports(user: Any) -> bool:
    return _signed_in(user) and permissions.can_see_reports(user)


@register.filter
def logs_time(user: Any) -> bool:
    return _signed_in(user) and permissions.logs_time(user)
