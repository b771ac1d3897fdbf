"""core.csvsafe: text a spreadsheet would run as a formula gets a leading quote; numbers don't."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from tallyhour.core import csvsafe


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://x","y")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\tcmd",
        "\r=1+1",
        "-",
        "+",
        "-1E+2",
        "- 3",
    ],
)
def test_dangerous_text_gets_a_leading_quote(text):
    assert csvsafe.safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [
        "Replaced the fuser",
        "a=b",
        "1+1",
        "",
        None,
        "'=already quoted",
        Decimal("-12.50"),
        -3,
        -0.5,
        dt.date(2026, 11, 16),
        "-12.50",
        "+3",
        "-7",
        "-4.5%",
    ],
)
def test_safe_values_are_untouched(value):
    assert csvsafe.safe_cell(value) == value


def test_writer_writes_safe_rows():
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    writer.writerow(["=1+1", Decimal("-12.50"), None, "-2.00"])
    writer.writerows([["@x", 5], ["plain", ""]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["'=1+1", "-12.50", "", "-2.00"], ["'@x", "5"], ["plain", ""]]
