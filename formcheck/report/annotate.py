"""``annotated.mp4``: the source video with the measurements drawn on, for a coach to step through.

Per frame: the skeleton (near and far legs in their own colours), the trunk
lean line against the runner's vertical, live trunk-lean and near-knee
readouts, IC / TO markers at the feet for a moment after each event, a red
border during contacts that meet the overstride thresholds, and a strip at
the bottom: a scrolling gait diagram (contacts of each leg as bars, the
current moment in the middle) above a whole-clip timeline with contact ticks.

The source is decoded once and streamed: each frame is drawn and handed to
the encoder, never held. The output is H.264 (libx264, shipped inside PyAV's
wheel), ``yuv420p``, with the ``moov`` atom first (``+faststart``) so a
browser starts playing before the whole file has loaded. The frame rate and
the picture size are the source's (a source longer than
:data:`MAX_LONG_SIDE_PX` on its long side is scaled down to it); the strip is
added below the picture, and the frame is padded to even numbers (yuv420p).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from formcheck.analysis import ClipAnalysis
from formcheck.capture.video import VideoInfo, iter_frames
from formcheck.landmarks import leg_indices
from formcheck.metrics.angles import hip_mid, knee_flexion_deg, shoulder_mid
from formcheck.progress import NullProgress, ProgressReporter
from formcheck.report.draw import (
    FAR_COLOUR,
    FLAG_COLOUR,
    NEAR_COLOUR,
    TRUNK_COLOUR,
    Colour,
    draw_angle,
    draw_border,
    draw_event_marker,
    draw_panel,
    draw_skeleton,
    finite_point,
    line_thickness,
    put_label,
    text_size,
    ui_scale,
)

ENCODER = "libx264"
PIX_FMT = "yuv420p"
CRF = 23
PRESET = "veryfast"
# A keyframe at least this often, seconds: the review page steps back a
# frame by seeking, and a browser decodes from the keyframe before the
# target (x264's default of 250 frames made a step back decode up to 8 s
# of 30 fps video).
KEYFRAME_INTERVAL_S = 0.5
# Long side of the review picture, pixels: a source larger than this is
# scaled down to it (1080p and portrait 1080x1920 phone video to 1280x720 /
# 720x1280). The review video is watched on a laptop or a phone and stepped
# frame by frame in a browser; at 1280 px the feet of a runner filling the
# frame height are still 500+ px of foot path, while drawing and x264
# encoding cost about half what they cost at 1920 px (benchmarks/RESULTS.md:
# 1080p60 annotation 19.1 -> under 10 ms/frame).
MAX_LONG_SIDE_PX = 1280
# Smallest scale factor scaled bilinearly; smaller ones are area-averaged.
_BILINEAR_MIN_SCALE = 0.6
# Largest denominator of the frame rate fraction (keeps 30000/1001 exact).
_MAX_RATE_DENOMINATOR = 1001
# How long IC / TO markers stay on screen, seconds of video.
EVENT_HOLD_S = 0.15
# Half-width of the scrolling gait diagram, in strides (or seconds without a cadence).
TIMELINE_HALF_WIDTH_STRIDES = 2.5
_TIMELINE_FALLBACK_HALF_WIDTH_S = 3.0
# Height of the timeline strip below the picture, share of the picture height
# (clamped in pixels).
TIMELINE_HEIGHT_SHARE = 0.1
_TIMELINE_MIN_PX, _TIMELINE_MAX_PX = 48, 150
_STRIP_BACKGROUND: Colour = (24, 24, 24)
# FFmpeg colour enums (libavutil/pixfmt.h) for BT.601 limited range.
_AVCOL_RANGE_MPEG = 1
_AVCOL_SPC_SMPTE170M = 6
_AVCOL_PRI_SMPTE170M = 6
_AVCOL_TRC_SMPTE170M = 6
_PANEL_ALPHA = 0.7
_PANEL_TEXT_SCALE = 0.62
_PROGRESS_PLAYED: Colour = (200, 200, 200)
_PROGRESS_UNPLAYED: Colour = (70, 70, 70)
_TEXT: Colour = (255, 255, 255)
_FLAG_TEXT: Colour = (255, 110, 110)  # the flag red, lightened for text on dark


@dataclass(frozen=True)
class OutputGeometry:
    """How source frames map to encoded frames.

    The picture keeps the source size (scaled down only when its long side
    exceeds :data:`MAX_LONG_SIDE_PX`); the timeline strip is added below it,
    so it never hides the feet. Width and height are padded to even numbers.

    Attributes
    ----------
    width, height : int
        Encoded size (even): picture plus strip.
    scale : float
        Source pixels -> encoded pixels.
    picture_width, picture_height : int
        Size of the (scaled) source picture at the top-left of the frame.
    strip_height : int
        Rows below the picture for the timeline.
    """

    width: int
    height: int
    scale: float
    picture_width: int
    picture_height: int
    strip_height: int

    def apply(self, rgb: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
        """The encoded-size canvas with the (scaled) source frame at its top.

        Parameters
        ----------
        rgb : ndarray, shape (H, W, 3), uint8
            Source frame.
        out : ndarray, optional
            Canvas to reuse (from an earlier call); a new one is made otherwise.
            Only the picture area is overwritten.
        """
        canvas = out if out is not None else np.zeros((self.height, self.width, 3), np.uint8)
        target = canvas[: self.picture_height, : self.picture_width]
        if self.scale != 1.0:
            cv2.resize(
                rgb,
                (self.picture_width, self.picture_height),
                dst=target,
                # Bilinear down to a 1.5x reduction (1080p): 0.7 ms a frame
                # against 4.5 ms for INTER_AREA, and no visible aliasing; a
                # larger reduction (4K: 3x) skips source pixels, so it is
                # averaged. The overlay is drawn after scaling either way.
                interpolation=cv2.INTER_LINEAR
                if self.scale >= _BILINEAR_MIN_SCALE
                else cv2.INTER_AREA,
            )
        else:
            target[:] = rgb
        return canvas


def output_geometry(width: int, height: int) -> OutputGeometry:
    """Encoded size for a ``width`` x ``height`` source (see :class:`OutputGeometry`)."""
    long_side = max(width, height)
    scale = MAX_LONG_SIDE_PX / long_side if long_side > MAX_LONG_SIDE_PX else 1.0
    pw, ph = max(round(width * scale), 2), max(round(height * scale), 2)
    strip = int(np.clip(TIMELINE_HEIGHT_SHARE * ph, _TIMELINE_MIN_PX, _TIMELINE_MAX_PX))
    return OutputGeometry(pw + pw % 2, ph + strip + (ph + strip) % 2, scale, pw, ph, strip)


@dataclass(frozen=True)
class ContactMark:
    """One contact as the video shows it (frame indices of the source)."""

    leg: str
    side: str
    ic_frame: int
    to_frame: int
    flagged: bool
    readout: str


@dataclass(frozen=True)
class OverlayPlan:
    """Everything drawn on the frames, precomputed per frame.

    Attributes
    ----------
    xy : ndarray, shape (n_frames, 33, 2)
        Cleaned landmarks in encoded-frame pixels.
    near_side : str
    lean_deg, knee_deg : ndarray, shape (n_frames,)
        Trunk lean and near-knee flexion per frame.
    up_dir : ndarray, shape (2,)
        Image direction of the runner's vertical (camera roll undone).
    times_s : ndarray, shape (n_frames,)
        Clip time per frame, real seconds.
    marks : list of ContactMark
    events : dict
        Frame -> list of (label, mark) to show as IC / TO markers.
    active : ndarray of int, shape (n_frames,)
        Index into ``marks`` of the contact in progress (-1: none).
    window_frames : float
        Half-width of the gait diagram, frames.
    """

    xy: np.ndarray
    near_side: str
    lean_deg: np.ndarray
    knee_deg: np.ndarray
    up_dir: np.ndarray
    times_s: np.ndarray
    marks: list[ContactMark]
    events: dict[int, list[tuple[str, ContactMark]]]
    active: np.ndarray
    window_frames: float

    @property
    def n_frames(self) -> int:
        """Frames covered by the analysis."""
        return int(self.xy.shape[0])


def is_overstride(angles: Any, overstride: dict[str, Any]) -> bool:
    """Whether one contact's angles meet both overstride flag thresholds."""
    if angles is None:
        return False
    shank, ahead = angles.shank_angle_deg, angles.foot_ahead_leg_lengths
    return bool(
        np.isfinite(shank)
        and np.isfinite(ahead)
        and shank > overstride["flag_shank_angle_deg"]
        and ahead > overstride["flag_foot_ahead_leg_lengths"]
    )


def _readout(leg: str, angles: Any) -> str:
    if angles is None:
        return f"{leg} contact (not measured)"
    parts = [f"{leg} IC"]
    if np.isfinite(angles.foot_strike_angle_deg):
        cls = f" {angles.strike_class}" if angles.strike_class else ""
        parts.append(f"strike {angles.foot_strike_angle_deg:.1f}°{cls}")
    if np.isfinite(angles.shank_angle_deg):
        parts.append(f"shank {angles.shank_angle_deg:.1f}°")
    if np.isfinite(angles.foot_ahead_leg_lengths):
        parts.append(f"heel {angles.foot_ahead_leg_lengths:.2f} L ahead")
    if len(parts) == 1:
        return f"{leg} IC (angles not measured)"
    return ", ".join(parts)


def contact_marks(clip: ClipAnalysis, overstride: dict[str, Any]) -> list[ContactMark]:
    """The clip's contacts with their flag and readout."""
    return [
        ContactMark(
            leg=c.leg,
            side=clip.side_of(c.leg),
            ic_frame=c.ic_frame,
            to_frame=c.to_frame,
            flagged=clip.running and is_overstride(a, overstride),
            readout=_readout(c.leg, a),
        )
        for c, a in zip(clip.contacts, clip.angles, strict=True)
    ]


def _events(
    marks: list[ContactMark], *, hold: int, n_frames: int
) -> dict[int, list[tuple[str, ContactMark]]]:
    events: dict[int, list[tuple[str, ContactMark]]] = {}
    for m in marks:
        for label, start in (("IC", m.ic_frame), ("TO", m.to_frame)):
            for f in range(start, min(start + hold, n_frames)):
                events.setdefault(f, []).append((label, m))
    return events


def build_plan(
    clip: ClipAnalysis, *, geometry: OutputGeometry, overstride: dict[str, Any], video_fps: float
) -> OverlayPlan:
    """Precompute the overlay of one clip.

    Parameters
    ----------
    clip : ClipAnalysis
    geometry : OutputGeometry
    overstride : dict
        ``report["config"]["findings"]["overstride"]`` (flag thresholds).
    video_fps : float
        Frame rate of the stored video (for how long markers stay).
    """
    n = clip.clean.xy_px.shape[0]
    marks = contact_marks(clip, overstride)
    active = np.full(n, -1, dtype=int)
    for leg in ("far", "near"):  # the near leg wins where both overlap
        for k, m in enumerate(marks):
            if m.leg == leg:
                active[m.ic_frame : m.to_frame + 1] = k
    origin = clip.scene.to_image(np.array([[0.0, 0.0], [0.0, 1.0]]))
    up = origin[1] - origin[0]
    stride_s = 120.0 / clip.cadence_spm if np.isfinite(clip.cadence_spm) else float("nan")
    half_s = (
        TIMELINE_HALF_WIDTH_STRIDES * stride_s
        if np.isfinite(stride_s)
        else _TIMELINE_FALLBACK_HALF_WIDTH_S
    )
    return OverlayPlan(
        xy=clip.clean.xy_px * geometry.scale,
        near_side=clip.near_side,
        lean_deg=clip.lean_deg,
        knee_deg=knee_flexion_deg(clip.runner_xy, leg_indices(clip.near_side)),
        up_dir=up / (np.linalg.norm(up) or 1.0),
        times_s=clip.times_s,
        marks=marks,
        events=_events(marks, hold=max(round(EVENT_HOLD_S * video_fps), 2), n_frames=n),
        active=active,
        window_frames=half_s * clip.fps,
    )


def _fmt_deg(value: float) -> str:
    return f"{value:.1f}°" if np.isfinite(value) else "-"


def _draw_trunk(image: np.ndarray, plan: OverlayPlan, i: int, thickness: int) -> None:
    xy = plan.xy[i]
    hip, shoulder = hip_mid(xy), shoulder_mid(xy)
    if not (finite_point(hip) and finite_point(shoulder)) or not np.isfinite(plan.lean_deg[i]):
        return
    length = float(np.linalg.norm(shoulder - hip))
    draw_angle(
        image,
        vertex=hip,
        reference_dir=plan.up_dir,
        segment_dir=shoulder - hip,
        length_px=1.15 * length,
        colour=TRUNK_COLOUR,
        label=f"{plan.lean_deg[i]:.0f}°",
        thickness=thickness,
    )


def _draw_markers(image: np.ndarray, plan: OverlayPlan, i: int, scale: float) -> None:
    for label, mark in plan.events.get(i, []):
        leg = leg_indices(mark.side)
        point = plan.xy[i, leg.heel if label == "IC" else leg.toe]
        colour = NEAR_COLOUR if mark.leg == "near" else FAR_COLOUR
        draw_event_marker(image, point, label=label, colour=colour, scale=scale)


def _panel_lines(plan: OverlayPlan, i: int, frame_index: int) -> list[tuple[str, Colour]]:
    lines: list[tuple[str, Colour]] = [
        (f"t {plan.times_s[i]:.2f} s  frame {frame_index}", _TEXT),
        (f"trunk lean {_fmt_deg(plan.lean_deg[i])}", TRUNK_COLOUR),
        (f"near knee flexion {_fmt_deg(plan.knee_deg[i])}", NEAR_COLOUR),
    ]
    k = plan.active[i]
    if k >= 0:
        mark = plan.marks[k]
        colour = _FLAG_TEXT if mark.flagged else (NEAR_COLOUR if mark.leg == "near" else FAR_COLOUR)
        lines.append((mark.readout, colour))
        if mark.flagged:
            lines.append(
                ("OVERSTRIDE (shank angle and heel-ahead over the thresholds)", _FLAG_TEXT)
            )
    return lines


def _draw_legend(image: np.ndarray, scale: float) -> None:
    items = [("near leg", NEAR_COLOUR), ("far leg", FAR_COLOUR), ("trunk lean", TRUNK_COLOUR)]
    text_scale = 0.6 * scale
    thickness = max(1, round(text_scale * 2))
    width = max(text_size(t, scale=text_scale, thickness=thickness)[0] for t, _ in items)
    x = image.shape[1] - width - round(14 * scale)
    for k, (text, colour) in enumerate(items):
        put_label(image, text, (x, round((26 + 26 * k) * scale)), scale=text_scale, colour=colour)


def _draw_knee(image: np.ndarray, plan: OverlayPlan, i: int, scale: float) -> None:
    knee = plan.xy[i, leg_indices(plan.near_side).knee]
    if finite_point(knee) and np.isfinite(plan.knee_deg[i]):
        x, y = round(float(knee[0]) + 12 * scale), round(float(knee[1]) - 8 * scale)
        put_label(image, f"{plan.knee_deg[i]:.0f}°", (x, y), scale=0.55 * scale, colour=NEAR_COLOUR)


def _draw_gait_window(strip: np.ndarray, plan: OverlayPlan, i: int, scale: float) -> None:
    """Scrolling gait diagram: one lane per leg, contacts as bars, now in the middle."""
    h, w = strip.shape[:2]
    lanes = {"near": (2, h // 2 - 1), "far": (h // 2 + 1, h - 2)}
    lo = i - plan.window_frames
    span = 2.0 * plan.window_frames
    for m in plan.marks:
        if m.to_frame < lo or m.ic_frame > lo + span:
            continue
        x0 = round((m.ic_frame - lo) / span * w)
        x1 = max(round((m.to_frame + 1 - lo) / span * w), x0 + 2)
        y0, y1 = lanes["near" if m.leg == "near" else "far"]
        colour = NEAR_COLOUR if m.leg == "near" else FAR_COLOUR
        cv2.rectangle(strip, (x0, y0), (x1, y1), FLAG_COLOUR if m.flagged else colour, -1)
    cv2.line(strip, (w // 2, 0), (w // 2, h - 1), _TEXT, max(1, round(2 * scale)))
    text_scale = 0.4 * scale
    for name, (_, bottom) in lanes.items():
        put_label(strip, name, (4, bottom - 2), scale=text_scale, background=None)


def progress_bars(plan: OverlayPlan, *, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Played and unplayed versions of the whole-clip timeline, with contact ticks."""
    bars = []
    for base in (_PROGRESS_PLAYED, _PROGRESS_UNPLAYED):
        bar = np.empty((height, width, 3), np.uint8)
        bar[:] = base
        for m in plan.marks:
            x = round(m.ic_frame / max(plan.n_frames - 1, 1) * (width - 1))
            colour = FLAG_COLOUR if m.flagged else (NEAR_COLOUR if m.leg == "near" else FAR_COLOUR)
            y0 = 0 if m.leg == "near" else height // 2
            cv2.line(bar, (x, y0), (x, y0 + height // 2), colour, 1)
        bars.append(bar)
    return bars[0], bars[1]


class FrameAnnotator:
    """Draws the overlay on encoded-size canvases of one clip (in place).

    Parameters
    ----------
    plan : OverlayPlan
    geometry : OutputGeometry
    """

    def __init__(self, plan: OverlayPlan, *, geometry: OutputGeometry) -> None:
        self.plan = plan
        self.geometry = geometry
        shape = (geometry.picture_height, geometry.picture_width)
        self.scale = ui_scale(shape)
        self.thickness = line_thickness(shape)
        self.progress_h = max(geometry.strip_height // 4, 8)
        self.played, self.unplayed = progress_bars(
            plan, width=geometry.width, height=self.progress_h
        )

    def draw(self, canvas: np.ndarray, frame_index: int) -> None:
        """Annotate ``canvas`` (from :meth:`OutputGeometry.apply`) of frame ``frame_index``."""
        plan, g = self.plan, self.geometry
        image = canvas[: g.picture_height, : g.picture_width]
        i = min(frame_index, plan.n_frames - 1)
        k = plan.active[i]
        if frame_index < plan.n_frames:
            if k >= 0 and plan.marks[k].flagged:
                draw_border(image, colour=FLAG_COLOUR, thickness=max(6, 4 * self.thickness))
            draw_skeleton(image, plan.xy[i], near_side=plan.near_side, thickness=self.thickness)
            _draw_trunk(image, plan, i, self.thickness)
            _draw_knee(image, plan, i, self.scale)
            _draw_markers(image, plan, i, self.scale)
        margin = round(10 * self.scale)
        draw_panel(
            image,
            _panel_lines(plan, i, frame_index),
            origin=(margin, margin),
            scale=_PANEL_TEXT_SCALE * self.scale,
            alpha=_PANEL_ALPHA,
        )
        _draw_legend(image, self.scale)
        self._draw_strip(canvas[g.picture_height : g.picture_height + g.strip_height], i)

    def _draw_strip(self, strip: np.ndarray, i: int) -> None:
        strip[:] = _STRIP_BACKGROUND
        h, w = strip.shape[:2]
        _draw_gait_window(strip[: h - self.progress_h - 2], self.plan, i, self.scale)
        bar = strip[h - self.progress_h :]
        x = round(i / max(self.plan.n_frames - 1, 1) * (w - 1))
        bar[:, : x + 1] = self.played[:, : x + 1]
        bar[:, x + 1 :] = self.unplayed[:, x + 1 :]
        cv2.line(bar, (x, 0), (x, self.progress_h - 1), _TEXT, max(2, self.thickness))


def _tag_bt601(ctx: Any) -> None:
    """Say in the stream what the pixels are: BT.601 (SMPTE 170M), limited range."""
    ctx.color_range = _AVCOL_RANGE_MPEG
    ctx.colorspace = _AVCOL_SPC_SMPTE170M
    ctx.color_primaries = _AVCOL_PRI_SMPTE170M
    ctx.color_trc = _AVCOL_TRC_SMPTE170M


@dataclass(frozen=True)
class EncodeStats:
    """What one annotated video took."""

    path: Path
    frames: int
    width: int
    height: int
    seconds: float

    @property
    def fps(self) -> float:
        """Frames annotated and encoded per second of wall time."""
        return self.frames / self.seconds if self.seconds > 0 else float("nan")


def write_annotated_video(
    *,
    info: VideoInfo,
    clip: ClipAnalysis,
    overstride: dict[str, Any],
    path: Path,
    progress: ProgressReporter | None = None,
    grab: Collection[int] = (),
    label: str = "annotated video",
) -> tuple[EncodeStats, dict[int, np.ndarray]]:
    """Decode ``info`` once, draw the overlay on every frame and encode ``path``.

    Parameters
    ----------
    info : VideoInfo
    clip : ClipAnalysis
        The analysis of this video.
    overstride : dict
        Overstride flag thresholds (``report["config"]["findings"]["overstride"]``).
    path : Path
        Output ``.mp4``.
    progress : ProgressReporter, optional
    grab : collection of int
        Source frame indices to return unannotated (for keyframes), so the
        video is not decoded twice.
    label : str
        Progress label.

    Returns
    -------
    EncodeStats
    dict
        Frame index -> source RGB frame, for the indices in ``grab``.
    """
    progress = progress or NullProgress()
    geometry = output_geometry(info.width, info.height)
    plan = build_plan(clip, geometry=geometry, overstride=overstride, video_fps=info.fps)
    annotator = FrameAnnotator(plan, geometry=geometry)
    rate = Fraction(info.fps).limit_denominator(_MAX_RATE_DENOMINATOR)
    wanted = set(grab)
    grabbed: dict[int, np.ndarray] = {}
    t0 = time.perf_counter()
    count = 0
    progress.start(total=info.n_frames, label=label)
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream(ENCODER, rate=rate)
        if not isinstance(stream, av.video.stream.VideoStream):
            raise TypeError(f"{ENCODER} did not give a video stream")
        stream.width, stream.height = geometry.width, geometry.height
        stream.pix_fmt = PIX_FMT
        stream.options = {"crf": str(CRF), "preset": PRESET}
        stream.codec_context.gop_size = max(1, round(info.fps * KEYFRAME_INTERVAL_S))
        # Frame threading: about a third faster than PyAV's default (slice threads).
        stream.codec_context.thread_type = "AUTO"
        _tag_bt601(stream.codec_context)
        canvas = np.zeros((geometry.height, geometry.width, 3), np.uint8)
        for frame in iter_frames(info):
            if frame.index in wanted:
                grabbed[frame.index] = frame.rgb.copy()
            geometry.apply(frame.rgb, out=canvas)
            annotator.draw(canvas, frame.index)
            # OpenCV's RGB -> I420 is BT.601 limited range like swscale's default, and
            # several times faster on large frames.
            yuv = np.asarray(cv2.cvtColor(canvas, cv2.COLOR_RGB2YUV_I420), dtype=np.uint8)
            out = av.VideoFrame.from_ndarray(yuv, format=PIX_FMT)
            out.pts = count
            container.mux(stream.encode(out))
            count += 1
            progress.advance()
        container.mux(stream.encode(None))
    progress.finish()
    stats = EncodeStats(path, count, geometry.width, geometry.height, time.perf_counter() - t0)
    return stats, grabbed


def grab_frames(info: VideoInfo, frames: Collection[int]) -> dict[int, np.ndarray]:
    """Decode ``info`` up to the last wanted frame and return those frames (RGB)."""
    wanted = set(frames)
    out: dict[int, np.ndarray] = {}
    if not wanted:
        return out
    last = max(wanted)
    for frame in iter_frames(info):
        if frame.index in wanted:
            out[frame.index] = frame.rgb.copy()
        if frame.index >= last:
            break
    return out
