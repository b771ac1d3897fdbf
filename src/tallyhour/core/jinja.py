"""The Jinja2 environment for regions that repeat markup hundreds of times a page (a week's
entries and grid), where Django's template language costs several times the page's queries.
Same names as `{% load tally %}` and Django's filters, so a partial reads like its neighbours;
times are shown in the zone the template names (`|clock(tz)`), not a thread-local one."""

import datetime as dt
import functools
from typing import Any

from django.db.models import Field, Model
from django.templatetags.static import static
from django.urls import reverse
from django.utils import dateformat
from jinja2 import ChainableUndefined, Environment

from tallyhour.core import dates
from tallyhour.core.templatetags import tally


def url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


def clock(moment: dt.datetime | None, tz: str) -> str:
    """A moment as `14:05` in zone `tz` (Django's `|time:"H:i"` under `{% timezone tz %}`)."""
    if moment is None:
        return ""
    local = moment.astimezone(dates.zone(tz))
    return f"{local.hour:02d}:{local.minute:02d}"


def date(value: dt.date | None, pattern: str, tz: str | None = None) -> str:
    """Django's `|date:` with its format characters; a moment is first put into zone `tz`."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and tz:
        value = value.astimezone(dates.zone(tz))
    return dateformat.format(value, pattern)


@functools.cache
def _labels(model: type[Model], name: str) -> dict[Any, str]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field), name  # a column with choices, not a relation
    return {value: str(label) for value, label in field.flatchoices}


def display(instance: Model, field: str) -> str:
    """`instance.get_<field>_display()`, from a mapping built once per model and field (the
    model's own method rebuilds it per call: a quarter of a week row's time)."""
    value = getattr(instance, field)
    return _labels(type(instance), field).get(value, str(value))


def environment(**options: Any) -> Environment:
    # Missing names render empty, as in Django's templates (`week.submission.reason` for a row
    # shown without its week).
    options.setdefault("undefined", ChainableUndefined)
    env = Environment(**options)  # noqa: S701 (Django's backend turns autoescape on)
    env.globals.update(url=url, static=static, bar_figures=tally.bar)
    env.filters.update(
        hours=tally.hours,
        share=tally.share,
        elapsed=tally.elapsed,
        clock=clock,
        date=date,
        display=display,
    )
    return env
