"""Background delivery of webhooks."""

import datetime as dt

from tallyhour.core.tasks import register_periodic
from tallyhour.webhooks.services import deliveries_due


def register() -> None:
    register_periodic("webhooks.deliver", dt.timedelta(seconds=30), deliveries_due)
