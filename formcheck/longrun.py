"""Long-run mode: which windows of a long video to analyse, and what they show.

A 30-60 minute run filmed whole is analysed in sampled windows (by default
20 s every 2 minutes) at full frame rate. Each window is analysed as a clip
of the run at its elapsed time (:func:`formcheck.analysis.analyze_clip`), so
the late-run comparison (first window against last), the trend and the four
findings come from the existing multi-clip summary. A window always counts
whole strides only: a stride needs both its initial contacts inside the
window, and the span used is trimmed to the first and last of them.

Everything here is pure: plans, parsing and per-window tables. The I/O
(seeking, pose, checkpoints) is in :mod:`formcheck.capture.windows_pose`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from formcheck.config import LongRunConfig
from formcheck.errors import ConfigError


@dataclass(frozen=True)
class Window:
    """One planned window of a long video.

    Attributes
    ----------
    index : int
    start_s, end_s : float
        Span in seconds from the video's first frame.
    """

    index: int
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Planned length, seconds."""
        return self.end_s - self.start_s


def plan_windows(*, duration_s: float, window_s: float, every_s: float) -> list[Window]:
    """Windows of ``window_s`` spaced at most ``every_s`` apart over a video.

    The first window starts at 0 and the last ends at ``duration_s``, so
    the early-vs-late comparison spans the whole run; the starts are evenly
    spaced in between. A video no longer than one window is one window.

    Parameters
    ----------
    duration_s : float
        Video length, seconds.
    window_s, every_s : float
        Window length and the largest spacing of window starts, seconds.

    Returns
    -------
    list of Window
        In time order, non-overlapping when ``every_s >= window_s``.
    """
    if not (duration_s > 0 and window_s > 0 and every_s >= window_s):
        raise ConfigError(
            f"long-run windows: expected duration > 0 and every_s >= window_s > 0, got "
            f"duration {duration_s} s, window {window_s} s, every {every_s} s"
        )
    if duration_s <= window_s:
        return [Window(0, 0.0, float(duration_s))]
    n = math.ceil((duration_s - window_s) / every_s - 1e-9) + 1
    starts = np.linspace(0.0, duration_s - window_s, n)
    return [Window(k, float(s), float(s + window_s)) for k, s in enumerate(starts)]


def use_windows(*, duration_s: float, config: LongRunConfig) -> bool:
    """Whether a video of this length is analysed in windows under ``config``."""
    if config.mode == "windows":
        return True
    if config.mode == "full":
        return False
    return duration_s > config.auto_above_s


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*$")
_UNIT_S = {None: 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_duration_s(text: str, *, what: str) -> float:
    """Seconds from ``"20"``, ``"20s"``, ``"2m"``, ``"1.5min"`` or ``"1h"``."""
    match = _DURATION.match(text)
    if not match:
        raise ConfigError(f"{what}: expected a duration such as 20s, 2m or 90, got {text!r}")
    return float(match.group(1)) * _UNIT_S[match.group(2)]


def parse_windows_spec(text: str) -> tuple[float, float]:
    """``"20s/2m"`` -> ``(20.0, 120.0)``: window length and spacing in seconds."""
    parts = text.split("/")
    if len(parts) != 2:
        raise ConfigError(f"--windows: expected LENGTH/EVERY such as 20s/2m, got {text!r}")
    window_s = parse_duration_s(parts[0], what="--windows length")
    every_s = parse_duration_s(parts[1], what="--windows spacing")
    return window_s, every_s


def _median(values: list[float]) -> float | None:
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(np.median(arr)) if arr.size else None


def window_rows(report: dict[str, Any], windows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-window figures from a report whose clips are the windows.

    Parameters
    ----------
    report : dict
        ``report.json`` built from the windows as clips (clip k = window k).
    windows : list of dict
        Per window: ``index``, ``start_s``, ``end_s``, ``frames``,
        ``from_checkpoint`` and ``cadence_spm`` (what was decoded and the
        clip's cadence).

    Returns
    -------
    list of dict
        The windows with, added: the span of whole strides used
        (``used_start_s``, ``used_end_s``, elapsed seconds), ``strides``,
        ``contacts``, median ``trunk_lean_deg`` over strides, median
        ``shank_angle_deg`` at contact (near leg) and whether it showed
        running (whole strides measured).
    """
    rows = []
    for k, w in enumerate(windows):
        strides = [s for s in report["strides"] if s["clip"] == k]
        contacts = [c for c in report["contacts"] if c["clip"] == k]
        offset = float(report["videos"][k].get("elapsed_offset_s") or 0.0)
        near = [c for c in contacts if c["leg"] == "near"] or contacts
        rows.append(
            {
                **w,
                "used_start_s": offset + min(s["start_s"] for s in strides) if strides else None,
                "used_end_s": offset + max(s["end_s"] for s in strides) if strides else None,
                "strides": len(strides),
                "contacts": len(contacts),
                "trunk_lean_deg": _median([s["trunk_lean_deg"] for s in strides]),
                "shank_angle_deg": _median([c["shank_angle_deg"] for c in near]),
                "running": bool(strides),
            }
        )
    return rows


def long_run_section(
    *,
    report: dict[str, Any],
    windows: list[dict[str, Any]],
    duration_s: float,
    window_s: float,
    every_s: float,
) -> dict[str, Any]:
    """The ``long_run`` block of ``report.json``: the plan, each window and early vs late."""
    rows = window_rows(report, windows)
    drift = report["summary"]["posture_drift"]
    used = [r for r in rows if r["running"]]
    analysed_s = sum(float(w["end_s"]) - float(w["start_s"]) for w in windows)
    return {
        "mode": "windows",
        "video_duration_s": duration_s,
        "window_s": window_s,
        "every_s": every_s,
        "analysed_s": analysed_s,
        "analysed_share": analysed_s / duration_s if duration_s > 0 else None,
        "windows": rows,
        "early_vs_late": {
            "early_window": used[0]["index"] if used else None,
            "late_window": used[-1]["index"] if len(used) > 1 else None,
            "trunk_lean_change_deg": drift.get("trunk_lean_change_deg"),
            "ci95": drift.get("ci95"),
            "trend_deg_per_min": drift.get("trend_deg_per_min"),
        },
    }
