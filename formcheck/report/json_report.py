"""``report.json``: the versioned, machine-readable result of ``formcheck analyze``.

Missing values are ``null`` (never NaN). The fields listed in the analysis
issue are stable; others may be added. ``SCHEMA_VERSION`` changes when a
stable field changes meaning or shape.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from formcheck import __version__
from formcheck.analysis import ClipAnalysis
from formcheck.assess.findings import Finding
from formcheck.assess.summary import RunSummary
from formcheck.config import Config, config_to_dict

SCHEMA_VERSION = 1


def clean_json(value: Any, *, digits: int = 4) -> Any:
    """Recursively turn NaN/inf into None, numpy scalars into Python, round floats
    (a rounded -0.0 becomes 0.0)."""
    if isinstance(value, dict):
        return {str(k): clean_json(v, digits=digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v, digits=digits) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return round(value, digits) + 0.0 if math.isfinite(value) else None
    return value


def _video(clip: ClipAnalysis, info: dict[str, Any]) -> dict[str, Any]:
    track = clip.track
    return {
        "path": info.get("path", track.source),
        "fps": track.fps,
        "frames": track.n_frames,
        "width": track.width,
        "height": track.height,
        "duration_s": info.get("duration_s", track.n_frames / track.fps),
        "capture_fps": clip.options.capture_fps,
        "rotation_deg": info.get("rotation_deg", 0),
        "elapsed_offset_s": clip.options.elapsed_offset_s,
        "belt_speed_mps": clip.options.belt_speed_mps,
        "runner_height_m": clip.options.runner_height_m,
    }


def _method(clip: ClipAnalysis) -> dict[str, Any]:
    return {
        "pose_model": clip.track.model_id,
        "pose_settings": dict(clip.track.settings),
        "detection_rate": clip.track.detection_rate,
        "lowpass_cutoff_hz": clip.clean.cutoff_hz,
        "step_frequency_video_hz": clip.clean.step_hz,
        "outliers_removed": clip.clean.outliers,
        "leg_swaps_corrected_frames": clip.clean.swaps_fixed,
        "merged_feet_frames_removed": clip.clean.merged_frames,
        "near_side_label": clip.near_side,
        "camera_roll_deg": clip.scene.roll_deg,
        "camera_roll_reliable": clip.scene.roll_reliable,
        "camera_roll_source": clip.roll_source,
        "leg_length_px": clip.scene.leg_length_px,
        "facing_agreement": clip.facing_agreement,
        "time_scale": clip.track.fps / clip.fps,
        # Where the clock came from: "stored" (the file's rate), "capture_fps"
        # (given for slow motion) or "assumed" (slow motion without the rate:
        # angles only, no times).
        "clock": clip.clock,
        "unique_fps": clip.track.unique_fps,
        **_running_span(clip),
    }


def _running_span(clip: ClipAnalysis) -> dict[str, Any]:
    """Which frames were analysed as running, and why the rest was left out."""
    rhythm = clip.rhythm
    if rhythm is None or not rhythm.found:
        return {"step_frames": None, "running_span_frames": None, "running_span_reason": None}
    start, end = rhythm.span
    return {
        "step_frames": rhythm.step_frames,
        "running_span_frames": [start, end - 1],
        "running_span_reason": rhythm.span_reason or None,
    }


def _contacts(clips: list[ClipAnalysis]) -> list[dict[str, Any]]:
    rows = []
    for k, clip in enumerate(clips):
        for c, a in zip(clip.contacts, clip.angles, strict=True):
            rows.append(
                {
                    "clip": k,
                    "leg": c.leg,
                    "ic_frame": c.ic_frame,
                    "ic_s": c.ic_s,
                    "to_frame": c.to_frame,
                    "to_s": c.to_s,
                    "contact_time_ms": c.reported_contact_time_ms,  # NaN -> null
                    "foot_strike_angle_deg": a.foot_strike_angle_deg if a else None,
                    "strike_class": a.strike_class if a else None,
                    "shank_angle_deg": a.shank_angle_deg if a else None,
                    "knee_flexion_deg": a.knee_flexion_deg if a else None,
                    "foot_ahead_leg_lengths": a.foot_ahead_leg_lengths if a else None,
                    "peak_stance_knee_flexion_deg": a.peak_stance_knee_flexion_deg if a else None,
                    "usable": c.usable,
                    "landing_usable": c.landing_usable,
                    "reason": c.reason or None,
                    "ic_cue": c.ic_cue,
                }
            )
    return rows


def _strides(clips: list[ClipAnalysis]) -> list[dict[str, Any]]:
    rows = []
    for k, clip in enumerate(clips):
        for s in clip.strides:
            row = {"clip": k, **dataclasses.asdict(s)}
            row["elapsed_s"] = clip.options.elapsed_offset_s + 0.5 * (s.start_s + s.end_s)
            rows.append(row)
    return rows


def _summary(summary: RunSummary) -> dict[str, Any]:
    drift = summary.lean_drift
    head = summary.head_drift
    return {
        "cadence_spm": summary.cadence_spm,
        "contact_time_ms": summary.contact_time_ms,
        "contact_time_resolution_ms": summary.contact_time_resolution_ms,
        "duty_factor": summary.duty_factor,
        "trunk_lean_deg": summary.trunk_lean_deg,
        "foot_strike": {
            "class": summary.strike_class,
            "angle_deg": summary.strike_angle_deg,
            "leg": summary.strike_leg,
            "share": summary.strike_share,
        },
        "overstride": {
            "shank_angle_deg": summary.shank_angle_deg,
            "foot_ahead_leg_lengths": summary.foot_ahead_leg_lengths,
            "knee_flexion_ic_deg": summary.knee_flexion_ic_deg,
        },
        "posture_drift": {
            "trunk_lean_change_deg": drift.change if drift else None,
            "ci95": list(drift.ci95) if drift else None,
            "trend_deg_per_min": drift.trend_per_min if drift else None,
            "early_strides": len(drift.early_strides) if drift else None,
            "late_strides": len(drift.late_strides) if drift else None,
            "head_forward_change_deg": head.change if head else None,
            "head_forward_ci95": list(head.ci95) if head else None,
        },
        "vertical_oscillation_leg_lengths": summary.vertical_oscillation_leg_lengths,
        "vertical_oscillation_cm": summary.vertical_oscillation_cm,
        "step_length_m": summary.step_length_m,
        "vertical_ratio_percent": summary.vertical_ratio_percent,
        "peak_stance_knee_flexion_deg": summary.peak_stance_knee_flexion_deg,
        "asymmetry": summary.asymmetry,
        "strides_measured": len(summary.strides),
        "contacts_measured": len(summary.contacts),
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id,
        "status": f.status,
        "value": f.value,
        "unit": f.unit,
        "reason": f.reason,
        "cue": f.cue,
        "reference": f.reference,
        "evidence_frames": [frame for _, frame in f.evidence],
        "evidence": [{"clip": c, "frame": fr} for c, fr in f.evidence],
    }


def build_report(
    *,
    clips: list[ClipAnalysis],
    video_infos: list[dict[str, Any]],
    people: list[dict[str, Any]],
    summary: RunSummary,
    findings: list[Finding],
    config: Config,
    not_running_reason: str,
) -> dict[str, Any]:
    """Assemble the report dictionary (JSON-ready: NaN already turned into None)."""
    warnings = [
        f"clip {k}: {w}" if len(clips) > 1 else w
        for k, clip in enumerate(clips)
        for w in clip.warnings
    ]
    first = clips[0]
    report = {
        "schema_version": SCHEMA_VERSION,
        "formcheck_version": __version__,
        "config": config_to_dict(config),
        "video": _video(first, video_infos[0]),
        "videos": [_video(c, i) for c, i in zip(clips, video_infos, strict=True)],
        "facing": first.scene.facing,
        "running": not not_running_reason,
        "not_running_reason": not_running_reason or None,
        "summary": _summary(summary),
        "findings": [_finding(f) for f in findings],
        "contacts": _contacts(clips),
        "strides": _strides(clips),
        "people": people,
        "method": [_method(c) for c in clips],
        "warnings": warnings,
        "disclaimer": (
            "Coaching information from video, not a diagnosis. If pain persists, "
            "see a physiotherapist or sports-medicine professional."
        ),
    }
    return clean_json(report)
