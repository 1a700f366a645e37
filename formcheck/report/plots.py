"""Report plots: small PNGs drawn with matplotlib's Agg canvas (no pyplot, no display).

Each function returns a :class:`Plot`, or None when the report holds too
little data for it. Thresholds are read from ``report["config"]``, so a plot
always shows the lines the findings were judged against.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from formcheck.analysis import ClipAnalysis
from formcheck.metrics.trend import theil_sen
from formcheck.report.keyframes import early_late_strides

PLOT_WIDTH_IN = 7.2
PLOT_HEIGHT_IN = 2.8
PLOT_DPI = 100
# Per-frame series longer than this are thinned before plotting.
MAX_PLOT_POINTS = 6000
# Runs longer than this are plotted in minutes.
_MINUTES_ABOVE_S = 180.0

OK_COLOUR = "#1b7f3b"
CAUTION_COLOUR = "#b26a00"
FLAG_COLOUR = "#c62828"
NEAR_COLOUR = "#ff8c00"
FAR_COLOUR = "#3c8cdc"
TRUNK_COLOUR = "#8a6d00"
CLASS_COLOURS = {"rearfoot": "#d95f02", "midfoot": "#1b9e77", "forefoot": "#7570b3"}
_EARLY_COLOUR = "#4c9be8"
_LATE_COLOUR = "#e8804c"


@dataclass(frozen=True)
class Plot:
    """One rendered plot."""

    name: str
    title: str
    caption: str
    png: bytes
    width: int
    height: int


@dataclass(frozen=True)
class TimeAxis:
    """Elapsed-time axis in seconds or minutes."""

    divisor: float
    label: str

    def __call__(self, seconds: Any) -> Any:
        """Seconds (number, list or array) -> axis units."""
        return np.asarray(seconds, dtype=float) / self.divisor


def time_axis(report: dict[str, Any]) -> TimeAxis:
    """Minutes for runs longer than three minutes, else seconds."""
    end = max(
        (v.get("elapsed_offset_s") or 0.0) + (v.get("duration_s") or 0.0) for v in report["videos"]
    )
    if end > _MINUTES_ABOVE_S:
        return TimeAxis(60.0, "elapsed time (min)")
    return TimeAxis(1.0, "elapsed time (s)")


def _figure(rows: int = 1, height_in: float = PLOT_HEIGHT_IN) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(PLOT_WIDTH_IN, height_in), dpi=PLOT_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(rows, 1, k + 1) for k in range(rows)]
    for ax in axes:
        ax.grid(True, color="#dddddd", linewidth=0.6)
        ax.tick_params(labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return fig, axes


def _render(fig: Figure, *, name: str, title: str, caption: str) -> Plot:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PLOT_DPI, metadata={"Software": None})
    width, height = (int(round(v)) for v in fig.get_size_inches() * PLOT_DPI)
    return Plot(name, title, caption, buf.getvalue(), width, height)


def _offset(report: dict[str, Any], clip: int) -> float:
    return float(report["videos"][clip].get("elapsed_offset_s") or 0.0)


def _window_span(report: dict[str, Any], strides: list[dict[str, Any]]) -> tuple[float, float]:
    start = min(_offset(report, s["clip"]) + s["start_s"] for s in strides)
    end = max(_offset(report, s["clip"]) + s["end_s"] for s in strides)
    return start, end


def trunk_lean_plot(report: dict[str, Any], clips: list[ClipAnalysis]) -> Plot | None:
    """Trunk lean per frame and per stride, early and late windows shaded, thresholds drawn."""
    strides = [s for s in report["strides"] if s.get("trunk_lean_deg") is not None]
    if not strides:
        return None
    tx = time_axis(report)
    lean_cfg = report["config"]["findings"]["forward_lean"]
    fig, (ax,) = _figure()
    for k, clip in enumerate(clips):
        step = max(1, clip.lean_deg.size // MAX_PLOT_POINTS)
        t = _offset(report, k) + clip.times_s[::step]
        ax.plot(tx(t), clip.lean_deg[::step], color="#9e9e9e", linewidth=0.6, label=None)
    ax.plot(
        tx([s["elapsed_s"] for s in strides]),
        [s["trunk_lean_deg"] for s in strides],
        "o",
        color=TRUNK_COLOUR,
        markersize=3,
        label="stride mean",
    )
    windows = early_late_strides(report)
    if windows is not None:
        for name, window, colour in zip(
            ("early window", "late window"), windows, (_EARLY_COLOUR, _LATE_COLOUR), strict=True
        ):
            lo, hi = _window_span(report, window)
            ax.axvspan(tx(lo), tx(hi), color=colour, alpha=0.18, label=name)
    ax.axhline(lean_cfg["caution_above_deg"], color=CAUTION_COLOUR, ls="--", lw=1, label="caution")
    ax.axhline(lean_cfg["flag_above_deg"], color=FLAG_COLOUR, ls="--", lw=1, label="flag")
    ax.axhline(lean_cfg["flag_below_deg"], color=FLAG_COLOUR, ls=":", lw=1, label="leaning back")
    ax.set_xlabel(tx.label, fontsize=9)
    ax.set_ylabel("trunk lean (°)", fontsize=9)
    ax.legend(fontsize=7, ncols=3, loc="upper left", framealpha=0.8)
    return _render(
        fig,
        name="trunk_lean",
        title="Trunk lean over time",
        caption=(
            "Grey: every frame (the lean rocks within each step); dots: stride means. "
            f"Dashed lines: caution above {lean_cfg['caution_above_deg']:g}°, flag above "
            f"{lean_cfg['flag_above_deg']:g}° (sustained) or below "
            f"{lean_cfg['flag_below_deg']:g}°. Shaded: the early and late windows compared "
            "for posture drift."
        ),
    )


def _contacts_with(report: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [c for c in report["contacts"] if c.get(key) is not None]


def _values(rows: list[dict[str, Any]], key: str) -> np.ndarray:
    """``rows[i][key]`` as floats, None -> NaN."""
    return np.array([np.nan if r.get(key) is None else r[key] for r in rows], dtype=float)


def _scatter_legs(
    ax: Axes, x: np.ndarray, y: np.ndarray, legs: list[str], colours: list[str]
) -> None:
    near = np.array([leg == "near" for leg in legs])
    col = np.array(colours)
    if near.any():
        ax.scatter(x[near], y[near], c=col[near], s=18, marker="o", label="near leg")
    if (~near).any():
        ax.scatter(
            x[~near],
            y[~near],
            facecolors="none",
            edgecolors=col[~near],
            s=18,
            marker="o",
            label="far leg",
        )


def strike_plot(report: dict[str, Any]) -> Plot | None:
    """Foot strike angle per contact, coloured by class, with the class thresholds."""
    rows = _contacts_with(report, "foot_strike_angle_deg")
    if not rows:
        return None
    tx = time_axis(report)
    cfg = report["config"]["findings"]["heel_strike"]
    rear, fore = cfg["rearfoot_above_deg"], cfg["forefoot_below_deg"]
    fig, (ax,) = _figure()
    x = tx(np.array([_offset(report, c["clip"]) + c["ic_s"] for c in rows]))
    y = np.array([c["foot_strike_angle_deg"] for c in rows])
    colours = [CLASS_COLOURS.get(c.get("strike_class") or "", "#777777") for c in rows]
    _scatter_legs(ax, x, y, [c["leg"] for c in rows], colours)
    lo, hi = min(float(y.min()), fore) - 4, max(float(y.max()), rear) + 4
    ax.axhspan(rear, hi, color=CLASS_COLOURS["rearfoot"], alpha=0.08)
    ax.axhspan(fore, rear, color=CLASS_COLOURS["midfoot"], alpha=0.08)
    ax.axhspan(lo, fore, color=CLASS_COLOURS["forefoot"], alpha=0.08)
    for value, cls in ((rear, "rearfoot"), (fore, "forefoot")):
        ax.axhline(value, color=CLASS_COLOURS[cls], ls="--", lw=1)
    x_text = float(x.min())
    ax.text(x_text, rear + 0.5, f"rearfoot > {rear:g}°", fontsize=7, va="bottom")
    ax.text(x_text, fore - 0.5, f"forefoot < {fore:g}°", fontsize=7, va="top")
    ax.set_ylim(lo, hi)
    ax.set_xlabel(tx.label, fontsize=9)
    ax.set_ylabel("strike angle (°, toes up +)", fontsize=9)
    ax.legend(fontsize=7, loc="upper right", framealpha=0.8)
    return _render(
        fig,
        name="strike_angle",
        title="Foot strike angle at each contact",
        caption=(
            f"Heel-to-toe angle against the ground at initial contact. Classes (Altman & Davis "
            f"2012): rearfoot above {rear:g}°, midfoot between, forefoot below {fore:g}°. "
            "Filled: near leg (reliable); hollow: far leg."
        ),
    )


def contact_angles_plot(report: dict[str, Any]) -> Plot | None:
    """Shank angle and knee flexion at each contact, with the overstride thresholds."""
    rows = _contacts_with(report, "shank_angle_deg")
    if not rows:
        return None
    tx = time_axis(report)
    cfg = report["config"]["findings"]["overstride"]
    fig, (ax1, ax2) = _figure(rows=2, height_in=1.6 * PLOT_HEIGHT_IN)
    x = tx(np.array([_offset(report, c["clip"]) + c["ic_s"] for c in rows]))
    legs = [c["leg"] for c in rows]
    shank = _values(rows, "shank_angle_deg")
    ahead = _values(rows, "foot_ahead_leg_lengths")
    flagged = (shank > cfg["flag_shank_angle_deg"]) & (ahead > cfg["flag_foot_ahead_leg_lengths"])
    leg_colours = [NEAR_COLOUR if leg == "near" else FAR_COLOUR for leg in legs]
    colours = [FLAG_COLOUR if f else c for f, c in zip(flagged, leg_colours, strict=True)]
    _scatter_legs(ax1, x, shank, legs, colours)
    ax1.axhline(cfg["flag_shank_angle_deg"], color=FLAG_COLOUR, ls="--", lw=1, label="flag")
    ax1.axhline(
        cfg["caution_shank_angle_deg"], color=CAUTION_COLOUR, ls="--", lw=1, label="caution"
    )
    ax1.set_ylabel("shank angle (°)", fontsize=9)
    ax1.legend(fontsize=7, ncols=4, loc="upper left", framealpha=0.8)
    knee = _values(rows, "knee_flexion_deg")
    _scatter_legs(ax2, x, knee, legs, leg_colours)
    ax2.axhline(cfg["straight_knee_below_deg"], color=CAUTION_COLOUR, ls="--", lw=1)
    ax2.text(
        float(x.min()),
        cfg["straight_knee_below_deg"] - 0.5,
        f"straight-leg landing below {cfg['straight_knee_below_deg']:g}°",
        fontsize=7,
        va="top",
    )
    ax2.set_ylabel("knee flexion at IC (°)", fontsize=9)
    ax2.set_xlabel(tx.label, fontsize=9)
    return _render(
        fig,
        name="contact_angles",
        title="Shank angle and knee flexion at contact",
        caption=(
            f"Top: shank (knee to ankle) against vertical at initial contact; red points also "
            f"land with the heel more than {cfg['flag_foot_ahead_leg_lengths']:g} leg lengths "
            f"ahead of the hips and over {cfg['flag_shank_angle_deg']:g}° (overstride). Bottom: "
            "knee flexion at the same moment. No validated cut-off exists (Souza 2016)."
        ),
    )


def _posture_band(ax: Axes, report: dict[str, Any], tx: TimeAxis, drift: dict[str, Any]) -> None:
    windows = early_late_strides(report)
    if windows is None:
        return
    early, late = windows
    e_mean = float(np.mean([s["trunk_lean_deg"] for s in early]))
    l_mean = float(np.mean([s["trunk_lean_deg"] for s in late]))
    (e0, e1), (l0, l1) = _window_span(report, early), _window_span(report, late)
    ax.hlines(e_mean, tx(e0), tx(e1), color=_EARLY_COLOUR, lw=3, label="early mean")
    ax.hlines(l_mean, tx(l0), tx(l1), color=_LATE_COLOUR, lw=3, label="late mean")
    lo, hi = drift["ci95"]
    ax.fill_between(
        [tx(l0), tx(l1)],
        e_mean + lo,
        e_mean + hi,
        color=_LATE_COLOUR,
        alpha=0.25,
        label="early + change, 95 % interval",
    )


def posture_trend_plot(report: dict[str, Any]) -> Plot | None:
    """Per-stride trunk lean with its Theil-Sen trend and the late-minus-early interval."""
    drift = report["summary"]["posture_drift"]
    strides = [s for s in report["strides"] if s.get("trunk_lean_deg") is not None]
    if drift.get("trunk_lean_change_deg") is None or len(strides) < 3:
        return None
    tx = time_axis(report)
    fig, (ax,) = _figure()
    t = np.array([s["elapsed_s"] for s in strides], float)
    v = np.array([s["trunk_lean_deg"] for s in strides], float)
    ax.plot(tx(t), v, "o", color="#9e9e9e", markersize=3, label="stride")
    if np.ptp(t) > 0:
        slope, intercept = theil_sen(v, t / 60.0)
        line_t = np.array([t.min(), t.max()])
        trend = intercept + slope * line_t / 60.0
        ax.plot(tx(line_t), trend, color="black", lw=1.2, label=f"trend {slope:+.2f}°/min")
    _posture_band(ax, report, tx, drift)
    lo, hi = drift["ci95"]
    change = drift["trunk_lean_change_deg"]
    ax.set_title(f"late - early: {change:+.1f}° (95 % interval {lo:+.1f} to {hi:+.1f})", fontsize=9)
    ax.set_xlabel(tx.label, fontsize=9)
    ax.set_ylabel("trunk lean (°)", fontsize=9)
    ax.legend(fontsize=7, ncols=3, loc="upper left", framealpha=0.8)
    flag = report["config"]["findings"]["late_run_slouch"]["flag_change_deg"]
    return _render(
        fig,
        name="posture_trend",
        title="Posture trend over the run",
        caption=(
            "Stride-mean trunk lean with a robust (Theil-Sen) trend. The band over the late "
            "window is the early mean plus the late-minus-early change's 95 % bootstrap "
            f"interval; a slouch is flagged when the change is at least {flag:g}° and the "
            "interval excludes 0."
        ),
    )


def all_plots(report: dict[str, Any], clips: list[ClipAnalysis]) -> list[Plot]:
    """The report's plots that have data, in reading order."""
    if not report["running"]:
        return []
    plots = [
        trunk_lean_plot(report, clips),
        strike_plot(report),
        contact_angles_plot(report),
        posture_trend_plot(report),
    ]
    return [p for p in plots if p is not None]
