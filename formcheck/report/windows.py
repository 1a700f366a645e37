"""Long-run mode in the report: the windows plot, the timeline table and the page.

In long-run mode each window is a clip of the run; the page shows the
timeline of windows used, trunk lean, shank angle and cadence per window
over elapsed time, and the early-vs-late comparison with its interval. The
keyframes come from seeking to their window (no decode of the whole video).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from formcheck.capture.video import VideoInfo
from formcheck.report.html import EmbeddedImage, build_html
from formcheck.report.keyframes import encode_image, render_keyframe, select_keyframes
from formcheck.report.plots import (
    _EARLY_COLOUR,
    _LATE_COLOUR,
    NEAR_COLOUR,
    TRUNK_COLOUR,
    Plot,
    _figure,
    _render,
    all_plots,
)
from formcheck.report.templating import render
from formcheck.report.view import long_run_view

HTML_JPEG_QUALITY = 85


def _values(rows: list[dict[str, Any]], key: str) -> np.ndarray:
    return np.array([np.nan if r.get(key) is None else r[key] for r in rows], dtype=float)


def windows_plot(report: dict[str, Any]) -> Plot | None:
    """Timeline of the windows, and lean, shank angle and cadence per window."""
    lr = report.get("long_run")
    if not lr or not lr["windows"]:
        return None
    rows = lr["windows"]
    fig, _ = _figure(rows=1, height_in=6.4)
    fig.clear()
    grid = fig.add_gridspec(4, 1, height_ratios=(0.35, 1, 1, 1))
    axes = [fig.add_subplot(grid[k]) for k in range(4)]
    for ax in axes[1:]:
        ax.grid(True, color="#dddddd", linewidth=0.6)
    for ax in axes:
        ax.tick_params(labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    mid = np.array([0.5 * (r["start_s"] + r["end_s"]) for r in rows]) / 60.0
    ev = lr["early_vs_late"]
    colours = [
        _EARLY_COLOUR
        if r["index"] == ev.get("early_window")
        else _LATE_COLOUR
        if r["index"] == ev.get("late_window")
        else "#777777"
        for r in rows
    ]
    ax = axes[0]
    ax.set_xlim(0, lr["video_duration_s"] / 60.0)
    ax.axhspan(0, 1, color="#eeeeee")
    for r, c in zip(rows, colours, strict=True):
        ax.axvspan(r["start_s"] / 60.0, r["end_s"] / 60.0, color=c, alpha=0.9)
    ax.set_yticks([])
    ax.set_ylabel("windows", fontsize=9)
    series = (
        ("trunk_lean_deg", "trunk lean (°)", TRUNK_COLOUR),
        ("shank_angle_deg", "shank at IC (°)", NEAR_COLOUR),
        ("cadence_spm", "cadence (steps/min)", "#444444"),
    )
    for ax, (key, label, colour) in zip(axes[1:], series, strict=True):
        y = _values(rows, key)
        ax.plot(mid, y, "-", color=colour, lw=1)
        ax.scatter(mid, y, c=colours, s=22, zorder=3)
        ax.set_xlim(axes[0].get_xlim())
        ax.set_ylabel(label, fontsize=9)
        ax.ticklabel_format(axis="y", useOffset=False)
        finite = y[np.isfinite(y)]
        if finite.size:  # at least +-2 units shown, so noise is not blown up
            centre = 0.5 * (finite.min() + finite.max())
            half = max(0.6 * np.ptp(finite), 2.0)
            ax.set_ylim(centre - half, centre + half)
    axes[-1].set_xlabel("elapsed time (min)", fontsize=9)
    change, ci = ev.get("trunk_lean_change_deg"), ev.get("ci95")
    if change is not None and ci:
        axes[0].set_title(
            f"late - early trunk lean: {change:+.1f}° (95 % interval {ci[0]:+.1f} to {ci[1]:+.1f})",
            fontsize=9,
        )
    return _render(
        fig,
        name="long_run_windows",
        title="Windows over the run",
        caption=(
            f"Top: the {len(rows)} windows analysed ({lr['window_s']:g} s each, at most "
            f"{lr['every_s']:g} s apart) on the run's timeline; blue: the early window, orange: "
            "the late window compared for posture drift. Below: per window, the median stride "
            "trunk lean, the median shank angle at contact and the cadence."
        ),
    )


def windows_table(report: dict[str, Any]) -> str:
    """HTML section of the windows used (time span, strides, lean, shank, cadence), or ""."""
    long_run = long_run_view(report)
    if long_run is None:
        return ""
    return render("report/_long_run.html", {"long_run": long_run})


def write_window_visuals(
    *,
    report: dict[str, Any],
    clips: list[Any],
    sources: list[tuple[VideoInfo, float]],
    out_dir: Path,
) -> None:
    """Keyframes (seeking to each window) and ``report.html`` with the windows plot.

    Parameters
    ----------
    report : dict
    clips : list of ClipAnalysis
        One per window.
    sources : list of (VideoInfo, float)
        Per clip: the whole video and the time of the window's first frame.
    out_dir : Path
        The staging folder.
    """
    from formcheck.capture.windows_pose import window_frame_image

    specs = select_keyframes(report, clips)
    frames: dict[tuple[int, int], np.ndarray] = {}
    for k in sorted({s.clip for s in specs}):
        info, start_s = sources[k]
        got = window_frame_image(info, start_s, {s.frame for s in specs if s.clip == k})
        frames.update({(k, f): im for f, im in got.items()})
    keyframes = [
        render_keyframe(frames[(s.clip, s.frame)], spec=s, clip=clips[s.clip], report=report)
        for s in specs
        if (s.clip, s.frame) in frames
    ]
    if keyframes:
        folder = out_dir / "keyframes"
        folder.mkdir(exist_ok=True)
        for kf in keyframes:
            (folder / f"{kf.spec.name}.png").write_bytes(encode_image(kf.image, fmt=".png"))
    images = [
        EmbeddedImage(
            name=kf.spec.name,
            title=kf.spec.title,
            caption=kf.caption,
            role=kf.spec.role,
            findings=kf.spec.findings,
            mime="image/jpeg",
            data=encode_image(kf.image, fmt=".jpg", jpeg_quality=HTML_JPEG_QUALITY),
            width=int(kf.image.shape[1]),
            height=int(kf.image.shape[0]),
        )
        for kf in keyframes
    ]
    plots = all_plots(report, clips)
    extra = windows_plot(report)
    if extra is not None:
        plots.insert(0, extra)
    # the page shows the windows table (report["long_run"]) before the plots
    page = build_html(report=report, plots=plots, images=images, video_files=[])
    (out_dir / "report.html").write_text(page, encoding="utf-8")
