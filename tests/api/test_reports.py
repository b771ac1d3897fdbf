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


def test_utilisation_teams_and_trend(api_as, approver, engineer, draft_entry):
    report = (
        api_as(approver)
        .get("/reports/utilisation", start="2026-11-09", end="2026-11-22", trend="true")
        .json()
    )
    [team] = report["teams"]
    assert team["name"] == "Team A" and team["logged_hours"] == "1.00"
    # The trend starts at the first week with time in it: W46 had none.
    assert [w["week"] for w in report["weeks"]] == ["2026-W47"]
    assert report["weeks"][0]["logged_hours"] == "1.00"
    row = next(r for r in report["rows"] if r["agent_id"] == engineer.pk)
    assert row["billed_hours"] == "0.00" and row["revenue"] == {}


def test_missed_hours(api_as, approver, engineer, draft_entry):
    response = api_as(approver).get(
        "/reports/missed-hours", start="2026-11-16", end="2026-11-22", waiting_days=1
    )
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["unbilled"] is None  # money is for billing
    assert report["waiting_days"] == 1
    # The test clock is after the week: Monday has 1 h of 8, the other weekdays nothing.
    mine = [g for g in report["gaps"] if g["agent_id"] == engineer.pk]
    assert mine[0]["day"] == "2026-11-16" and mine[0]["gap_hours"] == "7.00"


def test_missed_hours_is_for_managers(api_as, engineer):
    assert_error(
        api_as(engineer).get("/reports/missed-hours", start="2026-11-16", end="2026-11-22"), 403
    )


def test_unbilled_and_profitability(api_as, billing, engineer, approved_entry, client_acme):
    unbilled = api_as(billing).get("/reports/unbilled", end="2026-11-30").json()
    assert unbilled["hours"] == "1.00" and unbilled["value"] == {"GBP": "90.00"}
    [client] = unbilled["clients"]
    assert (client["id"], client["entries"]) == (client_acme.pk, 1)
    profit = api_as(billing).get("/reports/profitability", start="2026-11-16", end="2026-11-22")
    assert profit.status_code == 200, profit.content
    [acme] = profit.json()["clients"]
    assert (acme["worked_hours"], acme["billed_hours"], acme["revenue"]) == ("1.00", "0.00", {})


@pytest.mark.parametrize("path", ["/reports/unbilled", "/reports/profitability"])
def test_money_reports_are_for_billing(api_as, approver, path):
    assert_error(api_as(approver).get(path, start="2026-11-16", end="2026-11-22"), 403)
