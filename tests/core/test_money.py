"""The one rounding rule: half-up to the currency's minor unit, Decimal in and out."""

from decimal import Decimal

import pytest

from tallyhour.core.money import amount_for_seconds, hours, minor_units, round_money


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        # Exactly half a cent rounds away from zero (banker's rounding would give 0.12).
        ("0.125", "GBP", "0.13"),
        ("0.135", "GBP", "0.14"),
        ("0.1249", "EUR", "0.12"),
        ("-0.125", "GBP", "-0.13"),
        ("4166.5", "JPY", "4167"),
        ("4166.49", "JPY", "4166"),
        ("1.2345", "BHD", "1.235"),
        ("10", "GBP", "10.00"),
    ],
)
def test_round_money_half_up_to_minor_unit(amount, currency, expected):
    result = round_money(Decimal(amount), currency)
    assert result == Decimal(expected)
    assert str(result) == expected  # the exponent is the currency's, not the input's


def test_minor_units_ignore_case_and_default_to_two():
    assert minor_units("jpy") == 0
    assert minor_units("KWD") == 3
    assert minor_units("GBP") == 2
    assert minor_units("XYZ") == 2


@pytest.mark.parametrize(
    ("rate", "seconds", "currency", "expected"),
    [
        ("90.00", 5700, "GBP", "142.50"),  # 95 min at £90/h
        ("10.00", 45, "GBP", "0.13"),  # 0.125 exactly: half-up
        ("100.00", 1, "GBP", "0.03"),  # 0.02777… rounds up
        ("5000", 3000, "JPY", "4167"),  # 50 min at ¥5000/h = 4166.66…
        ("1000", 1, "JPY", "0"),  # 0.277… yen
        ("120.00", 0, "GBP", "0.00"),
    ],
)
def test_amount_for_seconds_rounds_once(rate, seconds, currency, expected):
    assert amount_for_seconds(Decimal(rate), seconds, currency) == Decimal(expected)


def test_amount_is_rate_times_minutes_over_sixty():
    # The design states amounts as rate × billed minutes / 60; seconds / 3600 is the same.
    for minutes in (1, 7, 59, 61, 95, 480):
        assert amount_for_seconds(Decimal("87.50"), minutes * 60, "GBP") == round_money(
            Decimal("87.50") * minutes / 60, "GBP"
        )


def test_hours_for_display():
    assert hours(5700) == Decimal("1.58")
    assert hours(5700, places=4) == Decimal("1.5833")
    assert hours(None) == Decimal("0.00")
    assert hours(1800) == Decimal("0.50")
