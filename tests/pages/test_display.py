"""Display filters and the duration parser used by the entry forms."""

from decimal import Decimal

import pytest
from django import forms

from tallyhour.core.forms import parse_duration
from tallyhour.core.templatetags.tally import hours, money, percent, share


@pytest.mark.parametrize(
    ("seconds", "style", "expected"),
    [
        (27000, "clock", "7:30"),
        (0, "clock", "0:00"),
        (None, "clock", "0:00"),
        (89, "clock", "0:01"),  # whole minutes, half-up
        (29, "clock", "0:00"),
        (-5400, "clock", "\u22121:30"),
        (27000, "decimal", "7.50 h"),
        (5700, "decimal", "1.58 h"),
        (3725, "long", "1:02:05"),
    ],
)
def test_hours(seconds, style, expected):
    assert hours(seconds, style) == expected


def test_percent_and_share():
    assert percent(Decimal("0.7512")) == "75 %"
    assert percent(Decimal("0.7512"), 1) == "75.1 %"
    assert percent(None) == "–"
    assert share(30, 60) == 50 and share(90, 60) == 100 and share(5, 0) == 100
    assert share(0, 0) == 0


def test_money():
    assert money(Decimal("1234.5"), "GBP") == "£1,234.50"
    assert money(Decimal("-45"), "EUR") == "\u2212€45.00"
    assert money(Decimal("1000"), "JPY") == "1,000 JPY"
    assert money(Decimal("12.345"), "CHF") == "12.35 CHF"
    assert money(None, "GBP") == "–"


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1:30", 90),
        ("90", 90),
        ("90m", 90),
        ("90 min", 90),
        ("1.5h", 90),
        ("1,5h", 90),
        ("1.5", 90),
        ("1h30", 90),
        ("1h 30m", 90),
        ("2h", 120),
        ("0:05", 5),
        ("", None),
    ],
)
def test_parse_duration(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["soon", "1:75", "h", "1.5.5", "-30"])
def test_parse_duration_refuses_nonsense(text):
    with pytest.raises(forms.ValidationError):
        parse_duration(text)
