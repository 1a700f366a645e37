"""``RESULTS.md`` from the measured rows: throughput, ratios to the references, memory."""

from __future__ import annotations

import math
from typing import Any

from benchmarks.cases import INFERENCE_FRAMES
from benchmarks.inputs import CLIPS

# The issue's targets (2-core machine, measured side by side).
TARGET_BOUND_RATIO = 1.3
TARGET_NAIVE_RATIO_VISUAL = 1.5
TARGET_RSS_MIB = 1024.0


def _f(value: float | None, spec: str = ".2f") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return format(value, spec)


def clip_figures(rows: list[dict[str, Any]], clip: str) -> dict[str, Any] | None:
    """Derived figures of one rendered clip (None when a reference case is missing)."""
    by = {r["name"].removeprefix(f"{clip}_"): r for r in rows if r.get("clip") == clip}
    needed = ("decode", "inference", "naive", "analyze")
    if any(k not in by for k in needed):
        return None
    frames = by["decode"]["frames"]
    duration_s = frames / CLIPS[clip].fps
    infer_ms = 1000.0 * by["inference"]["wall_s"] / by["inference"]["frames"]
    bound_s = by["decode"]["wall_s"] + infer_ms * frames / 1000.0
    out: dict[str, Any] = {
        "clip": clip,
        "frames": frames,
        "duration_s": duration_s,
        "decode_ms": 1000.0 * by["decode"]["wall_s"] / frames,
        "infer_ms": infer_ms,
        "bound_s": bound_s,
        "naive_s": by["naive"]["wall_s"],
        "rows": by,
    }
    if "pose" in by:
        out["pose_s"] = by["pose"]["loop_s"]
    out["analyze_s"] = by["analyze"]["wall_s"]
    if "analyze_visual" in by:
        vis = by["analyze_visual"]
        out["visual_s"] = vis["wall_s"]
        video_s = sum(s for k, s in vis["stages_s"].items() if k.endswith(".mp4") or "video" in k)
        out["annotate_ms"] = 1000.0 * video_s / frames
    return out


def speed_table(figs: list[dict[str, Any]]) -> str:
    """One row per (clip, case): seconds, frames/s, real-time factor, ratios, memory."""
    lines = [
        "| clip | case | s | frames/s | real-time factor | × decode+inference bound "
        "| × naive loop | peak RSS MiB | other load (cores) |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    labels = {
        "decode": "decode only (`iter_frames`): the floor",
        "inference": f"inference only, product landmarkers, {INFERENCE_FRAMES} frames in memory",
        "naive": "naive loop: decode, `detect_for_video`, one pose (reference)",
        "pose": "pose pass (`detect_poses`, default settings)",
        "analyze": "full mode, no annotated video / HTML (`analyze_run`)",
        "analyze_visual": "full mode with annotated video + HTML",
    }
    for fig in figs:
        for key, label in labels.items():
            row = fig["rows"].get(key)
            if row is None:
                continue
            if key == "inference":
                seconds = fig["infer_ms"] * fig["frames"] / 1000.0
                label += " (scaled to the clip)"
            elif key == "pose":
                seconds = row["loop_s"]
            else:
                seconds = row["wall_s"]
            lines.append(
                f"| {fig['clip']} | {label} | {_f(seconds)} | {_f(fig['frames'] / seconds, '.1f')} "
                f"| {_f(seconds / fig['duration_s'])} | {_f(seconds / fig['bound_s'])} "
                f"| {_f(seconds / fig['naive_s'])} | {_f(row['peak_rss_mib'], '.0f')} "
                f"| {_f(row['other_load_cores'], '.1f')} |"
            )
    return "\n".join(lines)


def targets_table(figs: list[dict[str, Any]], tracks: list[dict[str, Any]]) -> str:
    """The issue's targets against what was measured."""
    lines = ["| target | measured | met |", "|---|---|---|"]
    for fig in figs:
        if fig["clip"] != "1080p60":
            continue
        rtf = fig["analyze_s"] / fig["duration_s"]
        ratio = fig["analyze_s"] / fig["bound_s"]
        lines.append(
            f"| 1080p60 full mode, no video: real-time factor ≤ 1 | {_f(rtf)} "
            f"| {'yes' if rtf <= 1 else f'no ({rtf:.2f}x real time)'} |"
        )
        lines.append(
            f"| 1080p60 full mode, no video: ≤ {TARGET_BOUND_RATIO}x decode+inference | "
            f"{_f(ratio)}x | {'yes' if ratio <= TARGET_BOUND_RATIO else 'no'} |"
        )
        if "visual_s" in fig:
            v = fig["visual_s"] / fig["naive_s"]
            lines.append(
                f"| 1080p60 with annotated video: ≤ {TARGET_NAIVE_RATIO_VISUAL}x naive loop | "
                f"{_f(v)}x | {'yes' if v <= TARGET_NAIVE_RATIO_VISUAL else 'no'} |"
            )
    # The inference case holds its frames in memory by design: not a product figure.
    peaks = [r["peak_rss_mib"] for r in tracks] + [
        r["peak_rss_mib"] for f in figs for k, r in f["rows"].items() if k != "inference"
    ]
    if peaks:
        top = max(peaks)
        lines.append(
            f"| peak RSS < 1 GB at any length | largest measured {top:.0f} MiB "
            "(product cases and run lengths) "
            f"| {'yes' if top < TARGET_RSS_MIB else 'no'} |"
        )
    return "\n".join(lines)


def breakdown_table(figs: list[dict[str, Any]]) -> str:
    """Per-frame costs: decode, inference, annotated video (decode + draw + encode)."""
    lines = [
        "| clip | decode ms/frame | inference ms/frame (product threads) "
        "| annotated video ms/frame (second decode + draw + encode) | its share of full mode |",
        "|---|--:|--:|--:|--:|",
    ]
    for fig in figs:
        share = (
            fig["annotate_ms"] * fig["frames"] / 1000.0 / fig["visual_s"]
            if "annotate_ms" in fig
            else math.nan
        )
        lines.append(
            f"| {fig['clip']} | {_f(fig['decode_ms'], '.1f')} | {_f(fig['infer_ms'], '.1f')} "
            f"| {_f(fig.get('annotate_ms'), '.1f')} | {_f(100 * share, '.0f')} % |"
        )
    return "\n".join(lines)


def memory_table(tracks: list[dict[str, Any]]) -> str:
    """Peak memory and time of the analysis by run length (synthetic pose tracks)."""
    lines = [
        "| run length | frames (60 fps) | strides | analysis s | RSS before analysis MiB "
        "| peak RSS MiB | other load (cores) |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for r in tracks:
        lines.append(
            f"| {r['clip']} | {r['frames']} | {r['strides']} | {_f(r['wall_s'], '.1f')} "
            f"| {_f(r['rss_before_analysis_mib'], '.0f')} | {_f(r['peak_rss_mib'], '.0f')} "
            f"| {_f(r['other_load_cores'], '.1f')} |"
        )
    return "\n".join(lines)


def render_markdown(
    rows: list[dict[str, Any]], *, machine: str, command: str, seconds: float, total_min: float
) -> str:
    """The whole ``RESULTS.md``."""
    figs = [f for c in CLIPS if (f := clip_figures(rows, c)) is not None]
    tracks = [r for r in rows if r["kind"] == "long_track"]
    parts = [
        "# Benchmark results",
        "",
        f"Command (repository root): `{command}` (`make bench`). "
        f"The whole run took {total_min:.1f} min. What is measured: `benchmarks/README.md`.",
        "",
        "## Machine",
        "",
        machine,
        "",
        "The machine is shared with other engineers' jobs (see the other-load column): "
        "absolute times are pessimistic and move from run to run; the ratios between cases "
        "run one after the other on the same clip are the figures to read.",
        "",
        "## Targets",
        "",
        targets_table(figs, tracks),
        "",
        f"## Speed ({seconds:g} s rendered clips)",
        "",
        "Decode+inference bound = decode-only time + inference-only time (the product's "
        "landmarkers on frames already in memory), as if the two ran one after the other "
        "without overlap or overhead. Real-time factor = seconds / clip duration (below 1 "
        "is faster than real time). Full mode includes the model load and every output.",
        "",
        speed_table(figs),
        "",
        breakdown_table(figs),
        "",
        "## Memory by run length",
        "",
        "Synthetic 60 fps pose tracks (`long_synthetic_track`, float32, no video) through "
        "`analyze_clip`, `summarize`, the findings and `build_report`, each in a fresh "
        "process. Peak RSS is the whole process's (interpreter and libraries included).",
        "",
        memory_table(tracks),
        "",
    ]
    return "\n".join(parts)
