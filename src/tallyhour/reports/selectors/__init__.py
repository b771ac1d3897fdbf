"""Reports (reads only), one module per report: utilisation, missed hours, unbilled time and
profitability, over the shared building blocks in `common` and utilisation's sums in
`totals`. The names below are the ones views, the API and commands use."""

from tallyhour.reports.selectors.common import (
    MAX_DAILY_DAYS,
    MAX_PERIOD_DAYS,
    MAX_TREND_WEEKS,
    Money,
    check_finance,
    check_period,
    check_reports,
)
from tallyhour.reports.selectors.missed_hours import DayGap, LateWeek, MissedHours, missed_hours
from tallyhour.reports.selectors.profitability import Profitability, ProfitRow, profitability
from tallyhour.reports.selectors.unbilled import (
    MoneyGroup,
    long_timer_entries,
    unbilled_by_client,
    unbilled_entries,
    write_off_entries,
)
from tallyhour.reports.selectors.utilisation import (
    TrendPoint,
    UtilisationRow,
    combined_row,
    team_rows,
    utilisation_for,
    utilisation_trend,
)

__all__ = [
    "MAX_DAILY_DAYS",
    "MAX_PERIOD_DAYS",
    "MAX_TREND_WEEKS",
    "DayGap",
    "LateWeek",
    "MissedHours",
    "Money",
    "MoneyGroup",
    "ProfitRow",
    "Profitability",
    "TrendPoint",
    "UtilisationRow",
    "check_finance",
    "check_period",
    "check_reports",
    "combined_row",
    "long_timer_entries",
    "missed_hours",
    "profitability",
    "team_rows",
    "unbilled_by_client",
    "unbilled_entries",
    "utilisation_for",
    "utilisation_trend",
    "write_off_entries",
]
