"""Every table Monev shows can be downloaded as CSV: a page builds a ``Table`` once and the
template and the CSV both read it."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response


@dataclass
class Table:
    name: str  # file name stem, e.g. "ringkasan"
    columns: Sequence[tuple[str, str]]  # (key, label)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([label for _, label in self.columns])
        for row in self.rows:
            writer.writerow([_cell(row.get(key)) for key, _ in self.columns])
        return out.getvalue()


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if _NUMBER.fullmatch(text):
        return text
    # a cell starting with = + - @ would run as a formula in a spreadsheet
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(table: Table) -> Response:
    # BOM: spreadsheet programs used in the regency open UTF-8 CSV correctly with it
    return Response(
        "\ufeff" + table.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{table.name}.csv"'},
    )


def pick(tables: Sequence[Table], name: str | None) -> Table | None:
    return next((t for t in tables if t.name == name), None)


Label = Callable[[str], str]
