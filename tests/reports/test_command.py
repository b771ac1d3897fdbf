"""`tallyhour utilisation --period ...` prints the table."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tallyhour.reports.periods import parse_period
from tallyhour.timetracking.services import time_entry_create
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 18)


def run(*args: str) -> str:
    out = StringIO()
    call_command("utilisation", *args, stdout=out)
    return out.getvalue()


def test_month_table(engineer, ticket):
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=90, ticket=ticket
    )
    text = run("--period", "2026-11")
    assert "Sun 01 Nov 2026 – Mon 30 Nov 2026" in text
    [line] = [row for row in text.splitlines() if row.startswith(engineer.display_name[:20])]
    # November 2026: 21 weekdays × 8 h; 1.5 h logged, all billable; 1 % of 75 %.
    figures = line[22:].split()
    assert figures[:8] == ["168.00", "1.50", "1.50", "0.00", "1%", "1%", "75%", "166.50"]
    assert line.endswith("under target")


def test_csv_and_teams(engineer, ticket):
    text = run("--period", "2026-W47", "--csv", "--teams")
    assert text.splitlines()[0].startswith("Agent,Avail h")
    assert any(line.startswith("Team A,40.00") for line in text.splitlines())


def test_bad_period_is_a_clear_error(engineer):
    with pytest.raises(CommandError, match="Unknown period"):
        run("--period", "November")


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026-11", dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        ("2026-W47", dt.date(2026, 11, 16), dt.date(2026, 11, 22)),
        ("2026-q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("2028", dt.date(2028, 1, 1), dt.date(2028, 12, 31)),
        ("2026-11-16", dt.date(2026, 11, 16), dt.date(2026, 11, 16)),
        ("2026-11-02..2026-11-13", dt.date(2026, 11, 2), dt.date(2026, 11, 13)),
        ("last_quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        ("this_week", dt.date(2026, 11, 16), dt.date(2026, 11, 22)),
    ],
)
def test_period_labels(text, first, last):
    assert parse_period(text, TODAY) == (first, last)


def test_week_in_progress_is_judged_to_date(engineer, ticket, time_machine):
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=90, ticket=ticket
    )
    time_machine.move_to(at(MONDAY, 11), tick=False)
    [line] = [
        row
        for row in run("--period", "2026-W47").splitlines()
        if row.startswith(engineer.display_name[:20])
    ]
    # 1.5 h billable of 1.88 h available so far (2 of the 8.5-hour workday's hours): on target.
    assert line[22:].split()[-2:] == ["1.88", "80%"]
