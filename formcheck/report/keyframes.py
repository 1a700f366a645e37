"""Keyframes: stills of a representative contact, the worst flagged contacts and an
early and a late stride, with the measured angles drawn on.

Which frames: the findings' ``evidence`` (typical first, worst last) in the
report; the early and late strides come from the posture-drift windows. Each
still is cropped around the runner, scaled to :data:`KEYFRAME_HEIGHT_PX`, and
gets a caption band below with the numbers. The lines are drawn from the
cleaned landmarks of the frame nearest the event; the numbers are the
report's (read at the sub-frame event time from unfiltered landmarks), so a
line and its number can differ by a degree or two.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

import cv2
import numpy as np

from formcheck.analysis import ClipAnalysis
from formcheck.gait.contact import Contact
from formcheck.landmarks import leg_indices
from formcheck.metrics.angles import hip_mid, shoulder_mid
from formcheck.report.draw import (
    FAR_COLOUR,
    FOOT_COLOUR,
    NEAR_COLOUR,
    REFERENCE_COLOUR,
    SHANK_COLOUR,
    TRUNK_COLOUR,
    Colour,
    bounding_box,
    draw_angle,
    draw_dashed_line,
    draw_skeleton,
    finite_point,
    line_thickness,
    put_label,
    ui_scale,
    with_caption,
)

KEYFRAME_HEIGHT_PX = 640
# Share of the body's box added on each side of the crop.
_CROP_MARGIN = 0.3
# The crop is widened to at least this width / height (room for the labels).
_MIN_CROP_ASPECT = 0.9
_CAPTION_TEXT: Colour = (235, 235, 235)
_FLAG_TEXT: Colour = (255, 120, 120)
_CONTACT_FINDINGS = ("overstride", "heel_strike")

Role = Literal["representative", "flagged", "early", "late"]


@dataclass(frozen=True)
class KeyframeSpec:
    """Which still to make.

    Attributes
    ----------
    name : str
        File stem (``keyframes/<name>.png``) and HTML anchor.
    title : str
    role : {"representative", "flagged", "early", "late"}
    clip, frame : int
    contact : int or None
        Index into ``clips[clip].contacts`` when the still shows a contact.
    findings : tuple of str
        Finding ids the still is evidence for.
    """

    name: str
    title: str
    role: Role
    clip: int
    frame: int
    contact: int | None
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Keyframe:
    """A rendered still: RGB image (caption band included) and a one-line caption."""

    spec: KeyframeSpec
    image: np.ndarray
    caption: str


def _contact_time(contact: Contact) -> str:
    """Contact time for a caption; a contact with only its landing usable has none."""
    ms = contact.reported_contact_time_ms
    return f"{ms:.0f} ms" if np.isfinite(ms) else "not measured"


def _finding(report: dict[str, Any], fid: str) -> dict[str, Any] | None:
    return next((f for f in report["findings"] if f["id"] == fid), None)


def find_contact(clip: ClipAnalysis, frame: int, *, leg: str | None = None) -> int | None:
    """Index of the measured contact whose IC is at ``frame`` (preferring ``leg``)."""
    hits = [
        i
        for i, (c, a) in enumerate(zip(clip.contacts, clip.angles, strict=True))
        if c.ic_frame == frame and a is not None
    ]
    preferred = [i for i in hits if clip.contacts[i].leg == leg]
    chosen = preferred or hits
    return chosen[0] if chosen else None


def _representative(report: dict[str, Any], clips: list[ClipAnalysis]) -> KeyframeSpec | None:
    leg = report["summary"]["foot_strike"]["leg"]
    for fid in _CONTACT_FINDINGS:
        f = _finding(report, fid)
        if f is None or f["status"] == "unknown" or not f["evidence"]:
            continue
        ev = f["evidence"][0]
        ci = find_contact(clips[ev["clip"]], ev["frame"], leg=leg)
        if ci is not None:
            return KeyframeSpec(
                "representative_contact",
                "Representative contact",
                "representative",
                ev["clip"],
                ev["frame"],
                ci,
                (fid,),
            )
    lean = _finding(report, "forward_lean")
    if lean is not None and lean["status"] != "unknown" and lean["evidence"]:
        ev = lean["evidence"][0]
        return KeyframeSpec(
            "representative_stride",
            "Representative stride (no contact angles measured)",
            "representative",
            ev["clip"],
            ev["frame"],
            None,
            ("forward_lean",),
        )
    return None


def _flagged(
    report: dict[str, Any], clips: list[ClipAnalysis], specs: list[KeyframeSpec]
) -> list[KeyframeSpec]:
    """The worst evidence frame of each flagged or caution finding (slouch excluded)."""
    leg = report["summary"]["foot_strike"]["leg"]
    out = list(specs)
    for f in report["findings"]:
        if f["status"] not in ("flag", "caution") or not f["evidence"]:
            continue
        if f["id"] == "late_run_slouch":
            continue
        ev = f["evidence"][-1]
        same = [k for k, s in enumerate(out) if (s.clip, s.frame) == (ev["clip"], ev["frame"])]
        if same:
            s = out[same[0]]
            out[same[0]] = dataclasses.replace(s, findings=(*s.findings, f["id"]))
            continue
        contact = (
            find_contact(clips[ev["clip"]], ev["frame"], leg=leg)
            if f["id"] in _CONTACT_FINDINGS
            else None
        )
        what = "contact" if contact is not None else "stride"
        title = f"Worst {what}: {f['id'].replace('_', ' ')} ({f['status']})"
        out.append(
            KeyframeSpec(
                f"flagged_{f['id']}",
                title,
                "flagged",
                ev["clip"],
                ev["frame"],
                contact,
                (f["id"],),
            )
        )
    return out


def _typical_stride(strides: list[dict[str, Any]]) -> dict[str, Any]:
    mean = float(np.mean([s["trunk_lean_deg"] for s in strides]))
    return min(strides, key=lambda s: abs(s["trunk_lean_deg"] - mean))


def early_late_strides(report: dict[str, Any]) -> tuple[list[dict], list[dict]] | None:
    """The report's strides in the early and late posture windows, or None.

    The windows are the first ``early_strides`` and the last ``late_strides``
    measured strides (``summary.posture_drift``), which is how the drift was
    computed (share rule, minutes rule or first/last clip alike).
    """
    drift = report["summary"]["posture_drift"]
    n_early, n_late = drift.get("early_strides"), drift.get("late_strides")
    if not n_early or not n_late:
        return None
    strides = [s for s in report["strides"] if s.get("trunk_lean_deg") is not None]
    if len(strides) < n_early + n_late:
        return None
    return strides[:n_early], strides[-n_late:]


def _early_late(report: dict[str, Any]) -> list[KeyframeSpec]:
    windows = early_late_strides(report)
    if windows is None:
        return []
    out = []
    for role, window in zip(("early", "late"), windows, strict=True):
        s = _typical_stride(window)
        minutes, seconds = divmod(int(round(s["elapsed_s"])), 60)
        out.append(
            KeyframeSpec(
                f"{role}_stride",
                f"{role.capitalize()} stride (elapsed {minutes}:{seconds:02d})",
                role,  # type: ignore[arg-type]
                s["clip"],
                s["midstance_frame"],
                None,
                ("late_run_slouch",),
            )
        )
    return out


def select_keyframes(report: dict[str, Any], clips: list[ClipAnalysis]) -> list[KeyframeSpec]:
    """The stills to make for a report (none when no running was found)."""
    if not report["running"]:
        return []
    rep = _representative(report, clips)
    specs = _flagged(report, clips, [rep] if rep else [])
    return specs + _early_late(report)


def _crop_box(xy: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    box = bounding_box(xy, margin=_CROP_MARGIN)
    if box is None:
        return 0, 0, w, h
    x0, y0, x1, y1 = box
    need = int(_MIN_CROP_ASPECT * (y1 - y0)) - (x1 - x0)
    if need > 0:
        x0, x1 = x0 - need // 2, x1 + need - need // 2
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, w), min(y1, h)
    if x1 - x0 < 16 or y1 - y0 < 16:
        return 0, 0, w, h
    return x0, y0, x1, y1


def _directions(clip: ClipAnalysis) -> tuple[np.ndarray, np.ndarray]:
    """Image directions (unit) of the runner's up and forward."""
    pts = clip.scene.to_image(np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]]))
    up, fwd = pts[1] - pts[0], pts[2] - pts[0]
    return up / np.linalg.norm(up), fwd / np.linalg.norm(fwd)


def _draw_trunk(image: np.ndarray, xy: np.ndarray, up: np.ndarray, lean: float, t: int) -> None:
    hip, shoulder = hip_mid(xy), shoulder_mid(xy)
    if finite_point(hip) and finite_point(shoulder) and np.isfinite(lean):
        draw_angle(
            image,
            vertex=hip,
            reference_dir=up,
            segment_dir=shoulder - hip,
            length_px=1.2 * float(np.linalg.norm(shoulder - hip)),
            colour=TRUNK_COLOUR,
            label=f"lean {lean:.1f}°",
            thickness=t,
        )


def _draw_contact(
    image: np.ndarray,
    xy: np.ndarray,
    *,
    side: str,
    angles: Any,
    up: np.ndarray,
    forward: np.ndarray,
    thickness: int,
) -> None:
    """Shank line against vertical, foot line against the ground, knee flexion, heel ahead."""
    leg = leg_indices(side)
    knee, ankle, heel, toe = xy[leg.knee], xy[leg.ankle], xy[leg.heel], xy[leg.toe]
    if finite_point(knee) and finite_point(ankle):
        draw_angle(
            image,
            vertex=knee,
            reference_dir=-up,
            segment_dir=ankle - knee,
            length_px=1.15 * float(np.linalg.norm(ankle - knee)),
            colour=SHANK_COLOUR,
            label=f"shank {angles.shank_angle_deg:.1f}°",
            thickness=thickness,
        )
        scale = 0.55 * ui_scale(image.shape)
        text = f"knee {angles.knee_flexion_deg:.0f}°"
        width = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0]
        # Behind the knee, away from the shank and foot labels.
        anchor = knee - forward * (0.6 * width + 20 * scale)
        x = round(float(anchor[0]) - 0.5 * width)
        put_label(image, text, (x, round(float(anchor[1]))), scale=scale)
    if finite_point(heel) and finite_point(toe):
        draw_angle(
            image,
            vertex=heel,
            reference_dir=forward,
            segment_dir=toe - heel,
            length_px=1.6 * float(np.linalg.norm(toe - heel)),
            colour=FOOT_COLOUR,
            label=f"{angles.foot_strike_angle_deg:.1f}°",
            thickness=thickness,
        )
    hip = hip_mid(xy)
    if finite_point(hip) and finite_point(heel) and np.isfinite(angles.foot_ahead_leg_lengths):
        foot_level = hip + up * float(np.dot(heel - hip, up))
        draw_dashed_line(image, hip, foot_level, colour=REFERENCE_COLOUR, thickness=thickness)
        cv2.arrowedLine(
            image,
            (round(float(foot_level[0])), round(float(foot_level[1]))),
            (round(float(heel[0])), round(float(heel[1]))),
            REFERENCE_COLOUR,
            thickness,
            cv2.LINE_AA,
            tipLength=0.15,
        )
        scale = 0.5 * ui_scale(image.shape)
        anchor = foot_level + up * (40 * scale) - forward * (10 * scale)
        put_label(
            image,
            f"heel {angles.foot_ahead_leg_lengths:.2f} L ahead",
            (round(float(anchor[0])), round(float(anchor[1]))),
            scale=scale,
        )


def _contact_lines(
    clip: ClipAnalysis, contact: int, lean: float, overstride: dict[str, Any]
) -> list[tuple[str, Colour]]:
    c, a = clip.contacts[contact], clip.angles[contact]
    if a is None:
        return []
    colour = NEAR_COLOUR if c.leg == "near" else FAR_COLOUR
    cls = f" ({a.strike_class})" if a.strike_class else ""
    lines = [
        (
            f"{c.leg} leg IC at {c.ic_s:.2f} s: strike angle {a.foot_strike_angle_deg:.1f}°{cls}",
            colour,
        ),
        (
            f"shank {a.shank_angle_deg:.1f}°, heel {a.foot_ahead_leg_lengths:.2f} L ahead of "
            f"the hips, knee flexion {a.knee_flexion_deg:.0f}°",
            _CAPTION_TEXT,
        ),
        (f"trunk lean {lean:.1f}°, contact time {_contact_time(c)}", TRUNK_COLOUR),
    ]
    shank_lim = overstride["flag_shank_angle_deg"]
    ahead_lim = overstride["flag_foot_ahead_leg_lengths"]
    if a.shank_angle_deg > shank_lim and a.foot_ahead_leg_lengths > ahead_lim:
        lines.append(
            (f"overstride: shank > {shank_lim:g}° and heel > {ahead_lim:g} L ahead", _FLAG_TEXT)
        )
    return lines


def _stride_lines(clip: ClipAnalysis, frame: int) -> list[tuple[str, Colour]]:
    stride = next((s for s in clip.strides if s.midstance_frame == frame), None)
    lines = [(f"trunk lean at this frame {clip.lean_deg[frame]:.1f}°", TRUNK_COLOUR)]
    if stride is not None:
        lines.append(
            (
                f"stride mean: trunk lean {stride.trunk_lean_deg:.1f}°, head forward "
                f"{stride.head_forward_deg:.1f}°",
                _CAPTION_TEXT,
            )
        )
    return lines


def render_keyframe(
    rgb: np.ndarray, *, spec: KeyframeSpec, clip: ClipAnalysis, report: dict[str, Any]
) -> Keyframe:
    """Crop, scale and annotate one source frame (RGB) as the still ``spec`` asks."""
    xy_src = clip.clean.xy_px[spec.frame]
    x0, y0, x1, y1 = _crop_box(xy_src, rgb.shape)
    s = KEYFRAME_HEIGHT_PX / (y1 - y0)
    size = (max(round((x1 - x0) * s), 2), KEYFRAME_HEIGHT_PX)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    image = cv2.resize(rgb[y0:y1, x0:x1], size, interpolation=interp)
    xy = (xy_src - np.array([x0, y0], float)) * s
    t = line_thickness(image.shape)
    draw_skeleton(image, xy, near_side=clip.near_side, thickness=t)
    up, forward = _directions(clip)
    lean_frame = clip.contacts[spec.contact].ic_frame if spec.contact is not None else spec.frame
    lean = float(clip.lean_deg[lean_frame])
    _draw_trunk(image, xy, up, lean, t)
    overstride = report["config"]["findings"]["overstride"]
    if spec.contact is not None and clip.angles[spec.contact] is not None:
        c = clip.contacts[spec.contact]
        _draw_contact(
            image,
            xy,
            side=clip.side_of(c.leg),
            angles=clip.angles[spec.contact],
            up=up,
            forward=forward,
            thickness=t,
        )
        body = _contact_lines(clip, spec.contact, lean, overstride)
    else:
        body = _stride_lines(clip, spec.frame)
    where = f"clip {spec.clip}, frame {spec.frame}, t {clip.times_s[spec.frame]:.2f} s"
    title_colour = _FLAG_TEXT if spec.role == "flagged" else _CAPTION_TEXT
    lines = [(f"{spec.title}  |  {where}", title_colour), *body]
    image = with_caption(image, lines, scale=0.55 * ui_scale(image.shape))
    caption = "; ".join([where, *(text for text, _ in body)])
    return Keyframe(spec=spec, image=image, caption=caption)


def encode_image(image: np.ndarray, *, fmt: str = ".png", jpeg_quality: int = 85) -> bytes:
    """Encode an RGB image as PNG or JPEG bytes."""
    params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if fmt == ".jpg" else []
    ok, buf = cv2.imencode(fmt, cv2.cvtColor(image, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise ValueError(f"could not encode an image as {fmt}")
    return buf.tobytes()
