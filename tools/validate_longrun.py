"""Long-run mode against full processing on a synthetic long run.

Renders :data:`formcheck.synthetic.long_run.VALIDATION_RUN` small (320x240,
30 fps, 4 minutes; lean drifting +1 deg/min with stride-to-stride
variation), analyses it twice (every frame, then windows) and compares the
drift results::

    python -m tools.validate_longrun --video /tmp/long.mp4 --out /tmp/lr [--windows 20s/2m]

Printed and written to ``OUT/validation.json``: the late-minus-early trunk
lean change of windows mode, of full processing over the same early and
late spans, and of full processing under its own rule (first and last 20 %
of strides, a different estimand); the Theil-Sen trend of each times the
run length; the truth; the wall times.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.synthetic.long_run import LongRun


def _mean_lean(report: dict[str, Any], start_s: float, end_s: float) -> float:
    """Mean stride trunk lean of the strides wholly inside [start_s, end_s] (elapsed)."""
    values = []
    for s in report["strides"]:
        offset = report["videos"][s["clip"]].get("elapsed_offset_s") or 0.0
        if s["trunk_lean_deg"] is None:
            continue
        if offset + s["start_s"] >= start_s - 1e-6 and offset + s["end_s"] <= end_s + 1e-6:
            values.append(s["trunk_lean_deg"])
    return float(np.mean(values)) if values else float("nan")


def compare(
    full: dict[str, Any], windows: dict[str, Any], *, run: LongRun | None = None
) -> dict[str, Any]:
    """Drift figures of a full and a windows report of the same video.

    Parameters
    ----------
    full, windows : dict
        ``report.json`` of full processing and of long-run mode.
    run : LongRun, optional
        The synthetic run, for the true values.
    """
    lr = windows["long_run"]
    rows = {w["index"]: w for w in lr["windows"]}
    ev = lr["early_vs_late"]
    early, late = rows[ev["early_window"]], rows[ev["late_window"]]
    span = (early["start_s"], early["end_s"]), (late["start_s"], late["end_s"])
    full_same = _mean_lean(full, *span[1]) - _mean_lean(full, *span[0])
    duration = lr["video_duration_s"]
    w_drift = windows["summary"]["posture_drift"]
    f_drift = full["summary"]["posture_drift"]
    out: dict[str, Any] = {
        "video_duration_s": duration,
        "windows": len(lr["windows"]),
        "early_span_s": list(span[0]),
        "late_span_s": list(span[1]),
        "windows_change_deg": w_drift["trunk_lean_change_deg"],
        "windows_ci95": w_drift["ci95"],
        "full_same_spans_change_deg": full_same,
        "full_own_rule_change_deg": f_drift["trunk_lean_change_deg"],
        "full_own_rule_ci95": f_drift["ci95"],
        "windows_trend_deg_per_min": w_drift["trend_deg_per_min"],
        "full_trend_deg_per_min": f_drift["trend_deg_per_min"],
        "windows_minus_full_change_deg": w_drift["trunk_lean_change_deg"] - full_same,
        "windows_minus_full_drift_over_run_deg": (
            w_drift["trend_deg_per_min"] - f_drift["trend_deg_per_min"]
        )
        * duration
        / 60.0,
        "per_window_lean_deg": [w["trunk_lean_deg"] for w in lr["windows"]],
        "full_lean_in_windows_deg": [
            _mean_lean(full, w["start_s"], w["end_s"]) for w in lr["windows"]
        ],
    }
    if run is not None:
        out["true_change_deg"] = run.mean_lean_between(*span[1]) - run.mean_lean_between(*span[0])
        out["true_trend_deg_per_min"] = run.params.trunk_lean_drift_deg_per_min
    return out


def _analyse(video: Path, out: Path, config: Any) -> tuple[dict[str, Any], float]:
    from formcheck.analysis import AnalysisOptions
    from formcheck.pipeline import analyze_run

    t0 = time.perf_counter()
    result = analyze_run(
        [video],
        config=config,
        options=[AnalysisOptions()],
        out_dir=out,
        annotated_video=False,
        html=True,
    )
    return result.report, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Render (if needed), analyse full and windows, print and write the comparison."""
    from formcheck.config import Config, with_overrides
    from formcheck.longrun import parse_windows_spec
    from formcheck.synthetic.long_run import VALIDATION_RUN, render_long_run

    parser = argparse.ArgumentParser(prog="python -m tools.validate_longrun", description=__doc__)
    parser.add_argument("--video", type=Path, required=True, help="rendered here if absent")
    parser.add_argument("--out", type=Path, required=True, help="folder for the two outputs")
    parser.add_argument("--windows", default="20s/2m")
    parser.add_argument("--skip-full", action="store_true", help="reuse OUT/full/report.json")
    parser.add_argument(
        "--fast-pose",
        action="store_true",
        help="pose in VIDEO mode with one pose (tracking: cheaper) for both modes",
    )
    args = parser.parse_args(argv)
    if not args.video.is_file():
        t0 = time.perf_counter()
        render_long_run(VALIDATION_RUN, path=args.video)
        print(f"rendered {args.video} in {time.perf_counter() - t0:.0f} s")
    window_s, every_s = parse_windows_spec(args.windows)
    base = Config()
    if args.fast_pose:
        base = with_overrides(base, {"pose.running_mode": "video", "pose.num_poses": 1})
    full_cfg = with_overrides(base, {"long_run.mode": "full"})
    win_cfg = with_overrides(
        base,
        {"long_run.mode": "windows", "long_run.window_s": window_s, "long_run.every_s": every_s},
    )
    args.out.mkdir(parents=True, exist_ok=True)
    timing: dict[str, float] = {}
    windows, timing["windows_s"] = _analyse(args.video, args.out / "windows", win_cfg)
    print(f"windows mode: {timing['windows_s']:.1f} s", flush=True)
    if args.skip_full and (args.out / "full" / "report.json").is_file():
        full = json.loads((args.out / "full" / "report.json").read_text())
    else:
        full, timing["full_s"] = _analyse(args.video, args.out / "full", full_cfg)
    result = {**compare(full, windows, run=VALIDATION_RUN), "wall_time_s": timing}
    (args.out / "validation.json").write_text(json.dumps(result, indent=2))
    for key, value in result.items():
        print(f"{key:>40}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
