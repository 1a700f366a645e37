"""strides.csv opens cleanly in a spreadsheet: units in the column names, no NaN strings."""

from __future__ import annotations

import csv
from pathlib import Path

from formcheck.report.strides_csv import write_strides_csv
from tests.test_report_fixtures import synthetic_run

ID_COLUMNS = {"clip", "stride", "start_frame", "end_frame", "ic_strike_class"}
UNIT_SUFFIXES = ("_s", "_deg", "_ms", "_leg_lengths")
BAD_CELLS = {"nan", "none", "null", "inf", "-inf", "infinity"}


def test_strides_csv_is_spreadsheet_clean(tmp_path: Path) -> None:
    run = synthetic_run(duration_s=30.0)
    path = tmp_path / "strides.csv"
    write_strides_csv(run.report, path)
    raw = path.read_bytes()
    assert raw.isascii(), "plain ASCII opens the same in every spreadsheet locale"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert len(body) == len(run.report["strides"]) > 0
    for name in header:
        assert name in ID_COLUMNS or name.endswith(UNIT_SUFFIXES), name
    assert len(set(header)) == len(header)
    for row in body:
        assert len(row) == len(header)
        for name, cell in zip(header, row, strict=True):
            assert cell.strip().lower() not in BAD_CELLS, (name, cell)
            if cell and name != "ic_strike_class":
                float(cell)  # every measured cell is a plain number
