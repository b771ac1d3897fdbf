"""Utilisation over a period, per visible agent."""

import pytest

from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_utilisation_rows(api_as, engineer, approver, draft_entry):
    report = (
        api_as(approver)
        .get("/reports/utilisation", start="2026-11-16", end="2026-11-20", agent_id=[engineer.pk])
        .json()
    )
    assert (report["start"], report["end"]) == ("2026-11-16", "2026-11-20")
    [row] = report["rows"]
    assert row["agent_id"] == engineer.pk
    assert (row["available_hours"], row["logged_hours"], row["billable_hours"]) == (
        "40.00",
        "1.00",
        "1.00",
    )
    assert (row["non_billable_hours"], row["headroom_hours"], row["over_capacity"]) == (
        "0.00",
        "39.00",
        False,
    )
    assert row["utilisation"] == pytest.approx(0.025) and row["logged_ratio"] == pytest.approx(
        0.025
    )


def test_utilisation_without_available_hours_is_null(api_as, engineer):
    [row] = (
        api_as(engineer)
        .get("/reports/utilisation", start="2026-11-21", end="2026-11-22")
        .json()["rows"]
    )
    assert row["available_hours"] == "0.00" and row["utilisation"] is None


def test_engineers_see_only_themselves(api_as, engineer, other_engineer):
    report = api_as(engineer).get("/reports/utilisation", start="2026-11-16", end="2026-11-20")
    assert [r["agent_id"] for r in report.json()["rows"]] == [engineer.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-11-20", "end": "2026-11-16"}, "end"),
        ({"start": "2026-01-01", "end": "2027-06-01"}, "end"),
        ({"start": "Monday", "end": "2026-11-16"}, "start"),
        ({"end": "2026-11-16"}, "start"),
        ({"start": "2026-11-16", "end": "2026-11-20", "agent_id": "me"}, "agent_id.0"),
    ],
)
def test_bad_periods(api_as, engineer, params, field):
    assert_error(api_as(engineer).get("/reports/utilisation", **params), 422, field)
