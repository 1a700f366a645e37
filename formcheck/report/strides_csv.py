"""``strides.csv``: one row per stride, units in the column names."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

STRIDE_COLUMNS = (
    ("clip", "clip"),
    ("stride", "index"),
    ("start_frame", "start_frame"),
    ("end_frame", "end_frame"),
    ("start_s", "start_s"),
    ("end_s", "end_s"),
    ("elapsed_s", "elapsed_s"),
    ("trunk_lean_deg", "trunk_lean_deg"),
    ("trunk_lean_midstance_deg", "trunk_lean_midstance_deg"),
    ("head_forward_deg", "head_forward_deg"),
    ("ear_shoulder_leg_lengths", "ear_shoulder_leg_lengths"),
    ("vertical_oscillation_leg_lengths", "vertical_oscillation_leg_lengths"),
)
CONTACT_COLUMNS = (
    "contact_time_ms",
    "foot_strike_angle_deg",
    "strike_class",
    "shank_angle_deg",
    "knee_flexion_deg",
    "foot_ahead_leg_lengths",
    "peak_stance_knee_flexion_deg",
)


def write_strides_csv(report: dict[str, Any], path: Path) -> None:
    """Write the strides of a report, each with its near-leg contact's values.

    Empty cells mean "not measured". UTF-8 with a header row; opens cleanly
    in a spreadsheet.
    """
    contacts = {(c["clip"], c["ic_frame"], c["leg"]): c for c in report["contacts"]}
    header = [name for name, _ in STRIDE_COLUMNS] + ["ic_" + c for c in CONTACT_COLUMNS]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for s in report["strides"]:
            row: list[Any] = [s.get(key) for _, key in STRIDE_COLUMNS]
            contact = contacts.get((s["clip"], s["start_frame"], "near"), {})
            row += [contact.get(c) for c in CONTACT_COLUMNS]
            writer.writerow(["" if v is None else v for v in row])
