"""CSV that spreadsheets open as data, never as formulas (OWASP "CSV injection").

Every CSV the product writes goes through `writer` (or `safe_row`). The rule: a `str` cell that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, unless the whole
cell is a plain number such as `-12.50`, `+3` or `-4.5%` (a spreadsheet reads that as a number,
not a formula, so credit-note amounts and negative hours stay importable). Other values
(Decimal, int, date, None) are written as they are.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?%?")


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


def safe_cell(value: Any) -> Any:
    if (
        isinstance(value, str)
        and value.startswith(DANGEROUS_PREFIXES)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


class writer:  # noqa: N801 — named after the `csv.writer` it stands in for
    """`csv.writer` whose rows pass through `safe_row`."""

    def __init__(self, stream: Writable, **fmtparams: Any) -> None:
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
