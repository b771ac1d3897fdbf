"""Pricing: approved time to invoice lines.

Pure parts (no queries, plain data in): `rounding`, `rates`, `multipliers` and the `planner`;
`loader` does every read (contracts' rates and ledger through contracts' selectors) and
hands the data to the planner. The names below are the ones billing and its tests import.
"""

from tallyhour.billing.pricing.loader import (
    LIVE_STATES,
    EntryCache,
    PlanContext,
    load_entries,
    retainer_used_seconds,
    retainers_used_seconds,
)
from tallyhour.billing.pricing.multipliers import Segment, segments
from tallyhour.billing.pricing.planner import (
    RATE_PLACES,
    PlanData,
    Planner,
    contract_for,
    month_start,
    next_month,
    plan_client,
)
from tallyhour.billing.pricing.plans import BillableEntry, ClientPlan, PlannedFee, PlannedLine
from tallyhour.billing.pricing.rates import RateBook, rate_level
from tallyhour.billing.pricing.rounding import (
    MICROS,
    ONE,
    billed_hours,
    billed_seconds_for,
    micros_share,
    round_seconds,
    scaled_seconds,
)

__all__ = [
    "LIVE_STATES",
    "MICROS",
    "ONE",
    "RATE_PLACES",
    "BillableEntry",
    "ClientPlan",
    "EntryCache",
    "PlanContext",
    "PlanData",
    "PlannedFee",
    "PlannedLine",
    "Planner",
    "RateBook",
    "Segment",
    "billed_hours",
    "billed_seconds_for",
    "contract_for",
    "load_entries",
    "micros_share",
    "month_start",
    "next_month",
    "plan_client",
    "rate_level",
    "retainer_used_seconds",
    "retainers_used_seconds",
    "round_seconds",
    "scaled_seconds",
    "segments",
]
