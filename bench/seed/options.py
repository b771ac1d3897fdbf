"""What to generate and what was written; the generator's fixed vocabulary."""

import datetime as dt
import random
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from tallyhour.contracts.models import ContractKind
from tallyhour.timetracking.models import TimeEntry

UTC = dt.UTC
SEED_PASSWORD = "seed"  # noqa: S105 - benchmark data only, printed by the command
TEAM_SIZE = 10
BILLABLE = {"Remote support": "85.00", "Onsite support": "110.00", "Project work": "125.00"}
ACTIVITIES = {"Internal": 50, "Training": 20, "Admin": 20, "Travel": 10}
TICKET_CHARGES = [("Remote support", 75), ("Onsite support", 15), ("Project work", 10)]
TICKET_TYPES = ["Incident", "Service request", "Change"]
ZONES = [
    ("Europe/London", "GB", "ENG", 70),
    ("Europe/Berlin", "DE", "BE", 15),
    ("America/New_York", "US", "NY", 15),
]
CURRENCIES = [("GBP", "20.00", False, 90), ("EUR", "0.00", True, 7), ("USD", "0.00", False, 3)]
CONTRACT_KINDS = [
    (ContractKind.TIME_AND_MATERIALS, 55),
    (ContractKind.PREPAY, 15),
    (ContractKind.RETAINER, 15),
    (ContractKind.FIXED_PRICE, 10),
    (ContractKind.NO_CHARGE, 5),
]
# Minutes of one piece of ticket work; the mean (about 19) gives ~22 entries a day.
TICKET_MINUTES = [(5, 10), (10, 18), (15, 22), (20, 16), (30, 14), (45, 10), (60, 6), (90, 4)]
ACTIVITY_MINUTES = [(30, 40), (45, 20), (60, 30), (90, 10)]
PREPAY_BLOCK_SECONDS = 40 * 3600
FIRST = "Alex Sam Jamie Priya Tom Aisha Liam Sophie Jonas Megan Callum Ethan Grace Daniel Olu Mei"
LAST = "Holloway Okafor Shah Bradley Rahman Doherty Marsh Weber Price Fraser Brooks Novak Silva"
CLIENT_WORDS = "North South Harbour Summit Oak Cedar Bright River Stone Vale Park Bridge Apex Iron"
CLIENT_KINDS = "Dental Legal Logistics Accountancy Surveyors Engineering Foods Care Studio Trust"


@dataclass(frozen=True)
class SeedOptions:
    """What to generate; the same options (end included) always give the same rows."""

    agents: int = 250
    clients: int = 1000
    days: int = 730
    seed: int = 1
    end: dt.date = dt.date(2026, 1, 1)
    # Approved time newer than this many days is left for the next invoice run.
    uninvoiced_days: int = 45


@dataclass
class SeedReport:
    """Rows written per table and the time it took."""

    rows: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def entries(self) -> int:
        return self.rows[TimeEntry._meta.db_table]


def weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Callable[[], Any]:
    values = [value for value, _ in pairs]
    cumulative = list(accumulate(weight for _, weight in pairs))
    total = cumulative[-1]
    return lambda: values[bisect(cumulative, rng.random() * total)]


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)
