"""Every real clip of ../shared/footage through the whole pipeline: one table.

For each clip: which set it belongs to (tuning or held out: no setting may be
tuned on a held-out clip), contacts found, cadence, the four findings, the
overstride label agreement (an overstrider gets flag or caution, a runner
labelled not overstriding gets ok) and, for the clips whose author marked
landings (L) and take-offs (T) frame by frame, how many landings were found
within 1 and 2 frames of a label.

Run from the repository root (needs the pose bundle from ``formcheck setup``)::

    python tools/footage_table.py --out docs/footage_table.md --work /tmp/footage

``--work`` keeps each clip's output folder, so a re-run reuses the pose track
(the analysis is redone). Footage is read from ``../shared/footage`` and never
copied.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck.analysis import AnalysisOptions
from formcheck.config import Config
from formcheck.errors import FormcheckError
from formcheck.native_log import native_stderr_captured
from formcheck.pipeline import analyze_run

FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"

# Held out this session: looked at only for the final numbers.
HELD_OUT = frozenset(
    {
        "overstride_a2.mp4",
        "no_overstride_b2.mp4",
        "sprint_start_b9.mp4",
        "sprint_start_b14.mp4",
        "sprint_start_a1.mp4",
    }
)

# The clip authors' labels (footage README): overstriding or not.
OVERSTRIDE_LABEL = {
    "overstride_a1.mp4": True,
    "overstride_a2.mp4": True,
    "no_overstride_b1.mp4": False,
    "no_overstride_b2.mp4": False,
}

# Landing frames marked by the sprint clips' author (0-based decoded frames).
LANDING_LABELS = {
    "sprint_start_b2.mp4": [130, 144, 158],
    "sprint_start_b4.mp4": [73, 87, 100, 114, 129],
    "sprint_start_b9.mp4": [37, 50, 64, 77, 91],
    "sprint_start_b13.mp4": [262, 277, 290, 303, 317],
    "sprint_start_b14.mp4": [107, 119, 135],
    "sprint_start_a1.mp4": [167, 181, 196, 210],
}

# Known capture rate (footage README): analysed with it, as a user would give it.
CAPTURE_FPS = {"treadmill_slowmo.mp4": 240.0}

FINDINGS = ("forward_lean", "heel_strike", "overstride", "late_run_slouch")


@dataclass(frozen=True)
class Row:
    """One clip's outcome."""

    name: str
    held_out: bool
    contacts: int
    cadence_spm: float | None
    statuses: dict[str, str]
    agreement: bool | None
    landings_1f: str
    landings_2f: str
    note: str


def _landing_hits(report: dict[str, Any], labels: list[int], within: float) -> str:
    frames = [c["ic_frame"] for c in report["contacts"] if c.get("ic_frame") is not None]
    hits = sum(1 for lab in labels if any(abs(f - lab) <= within for f in frames))
    return f"{hits}/{len(labels)}"


def _row(name: str, report: dict[str, Any]) -> Row:
    statuses = {f["id"]: f["status"] for f in report["findings"]}
    label = OVERSTRIDE_LABEL.get(name)
    agreement = None
    if label is not None:
        got = statuses.get("overstride", "unknown")
        agreement = got in ("flag", "caution") if label else got == "ok"
    labels = LANDING_LABELS.get(name)
    cadence = report["summary"].get("cadence_spm")
    return Row(
        name=name,
        held_out=name in HELD_OUT,
        contacts=len(report["contacts"]),
        cadence_spm=cadence if isinstance(cadence, float | int) else None,
        statuses=statuses,
        agreement=agreement,
        landings_1f=_landing_hits(report, labels, 1.0) if labels else "",
        landings_2f=_landing_hits(report, labels, 2.0) if labels else "",
        note=(report.get("not_running_reason") or "")[:80],
    )


def analyse(name: str, work: Path) -> Row:
    """Run the pipeline on one clip (pose reused from ``work`` when it matches)."""
    options = AnalysisOptions(capture_fps=CAPTURE_FPS.get(name))
    out = work / Path(name).stem
    try:
        result = analyze_run(
            [FOOTAGE / name],
            config=Config(),
            options=[options],
            out_dir=out,
            annotated_video=False,
            html=False,
        )
    except FormcheckError as exc:
        return Row(name, name in HELD_OUT, 0, None, {}, None, "", "", f"error: {exc}"[:80])
    return _row(name, result.report)


def _markdown(rows: list[Row]) -> str:
    head = (
        "| clip | set | contacts | cadence | lean | heel strike | overstride | slouch "
        "| label agrees | landings ±1 / ±2 fr | reason |\n|" + "---|" * 11 + "\n"
    )
    lines = []
    for r in rows:
        s = r.statuses
        cad = f"{r.cadence_spm:.0f}" if r.cadence_spm else "-"
        agree = "" if r.agreement is None else ("yes" if r.agreement else "no")
        land = f"{r.landings_1f} / {r.landings_2f}" if r.landings_1f else ""
        lines.append(
            f"| {r.name} | {'held out' if r.held_out else 'tuning'} | {r.contacts} | {cad} "
            + "".join(f"| {s.get(f, '-')} " for f in FINDINGS)
            + f"| {agree} | {land} | {r.note} |"
        )
    return head + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/formcheck-footage-table"))
    parser.add_argument("--out", type=Path, help="write the markdown table here")
    parser.add_argument("--only", nargs="*", help="clip names (default: all)")
    args = parser.parse_args(argv)
    if not FOOTAGE.is_dir():
        print(f"no footage folder at {FOOTAGE}", file=sys.stderr)
        return 2
    names = args.only or sorted(p.name for p in FOOTAGE.glob("*.mp4"))
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in names:
        start = time.perf_counter()
        with native_stderr_captured():
            rows.append(analyse(name, args.work))
        print(f"{name}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    table = _markdown(rows)
    print(table)
    if args.out:
        args.out.write_text(table, encoding="utf-8")
    (args.work / "rows.json").write_text(
        json.dumps([r.__dict__ for r in rows], indent=1), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
