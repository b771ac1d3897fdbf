"""Filters for overriding `billing/document.html`: `{% load documents %}`, then
`{{ value|money:doc }}` and `{{ value|number:doc }}` format in the document's locale (and, for
money, its currency) without rounding anything away."""

from decimal import Decimal

from django import template

from tallyhour.billing.documents import Document
from tallyhour.core import localformat

register = template.Library()


@register.filter
def money(amount: Decimal | None, doc: Document) -> str:
    if amount is None:
        return ""
    return localformat.money(Decimal(amount), doc.currency, doc.locale)


@register.filter
def number(value: Decimal | None, doc: Document) -> str:
    if value is None:
        return ""
    return localformat.number(Decimal(value), doc.locale)
