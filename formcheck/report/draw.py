"""Drawing helpers shared by the preview image, keyframes and the annotated video.

All functions draw in place on an RGB ``uint8`` image with OpenCV.
"""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.landmarks import CONNECTIONS, LEFT_RIGHT_PAIRS, NAMES

Colour = tuple[int, int, int]

NEAR_COLOUR: Colour = (255, 140, 0)  # orange: the leg nearer the camera
FAR_COLOUR: Colour = (60, 160, 255)  # blue: the far leg
BODY_COLOUR: Colour = (240, 240, 240)
OTHER_PERSON_COLOUR: Colour = (150, 150, 150)

_LEFT = {left for left, _ in LEFT_RIGHT_PAIRS}
_RIGHT = {right for _, right in LEFT_RIGHT_PAIRS}


def _pt(xy: np.ndarray) -> tuple[int, int]:
    return round(float(xy[0])), round(float(xy[1]))


def draw_skeleton(
    image: np.ndarray,
    xy_px: np.ndarray,
    *,
    near_side: str | None = None,
    thickness: int = 2,
    colour: Colour | None = None,
) -> None:
    """Draw one person's skeleton.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3), uint8
    xy_px : ndarray, shape (33, 2)
        Landmarks in pixels; NaN landmarks are skipped.
    near_side : {"left", "right"} or None
        Which MediaPipe side is nearer the camera; its limbs are drawn in
        :data:`NEAR_COLOUR`, the other side's in :data:`FAR_COLOUR`.
    colour : tuple, optional
        Draw everything in one colour instead (e.g. other people).
    """
    for a, b in CONNECTIONS:
        pa, pb = xy_px[a], xy_px[b]
        if not (np.isfinite(pa).all() and np.isfinite(pb).all()):
            continue
        if colour is not None:
            c = colour
        elif a in _LEFT and b in _LEFT:
            c = NEAR_COLOUR if near_side == "left" else FAR_COLOUR
        elif a in _RIGHT and b in _RIGHT:
            c = NEAR_COLOUR if near_side == "right" else FAR_COLOUR
        else:
            c = BODY_COLOUR
        cv2.line(image, _pt(pa), _pt(pb), c, thickness, cv2.LINE_AA)
    for j in range(len(NAMES)):
        if np.isfinite(xy_px[j]).all():
            cv2.circle(
                image, _pt(xy_px[j]), max(thickness, 2), colour or BODY_COLOUR, -1, cv2.LINE_AA
            )


_FONT = cv2.FONT_HERSHEY_SIMPLEX
_DEGREE = "°"


def _degree_width(scale: float) -> int:
    return max(6, round(13 * scale))


def text_size(text: str, *, scale: float, thickness: int) -> tuple[int, int, int]:
    """Width, height above the baseline and depth below the baseline of drawn ``text``.

    OpenCV's Hershey fonts have no degree sign; :func:`draw_text` draws "°" as a small ring.
    """
    pieces = text.split(_DEGREE)
    plain = "".join(pieces)
    (w, h), base = cv2.getTextSize(plain or " ", _FONT, scale, thickness)
    return w + (len(pieces) - 1) * _degree_width(scale), h, base


def draw_text(
    image: np.ndarray,
    text: str,
    origin: tuple[int, int],
    *,
    scale: float,
    colour: Colour,
    thickness: int,
) -> None:
    """``cv2.putText`` that also draws the degree sign "°" (as a small ring)."""
    x, y = origin
    pieces = text.split(_DEGREE)
    for k, piece in enumerate(pieces):
        if piece:
            cv2.putText(image, piece, (x, y), _FONT, scale, colour, thickness, cv2.LINE_AA)
            x += cv2.getTextSize(piece, _FONT, scale, thickness)[0][0]
        if k < len(pieces) - 1:
            (_, h), _ = cv2.getTextSize("0", _FONT, scale, thickness)
            r = max(2, round(3 * scale))
            cv2.circle(
                image, (x + r + 2, y - h + 2 * r), r, colour, max(1, thickness - 1), cv2.LINE_AA
            )
            x += _degree_width(scale)


def put_label(
    image: np.ndarray,
    text: str,
    origin: tuple[int, int],
    *,
    scale: float = 0.6,
    colour: Colour = (255, 255, 255),
    background: Colour | None = (0, 0, 0),
) -> None:
    """Write ``text`` with an optional filled background box for legibility."""
    thickness = max(1, round(scale * 2))
    w, h, base = text_size(text, scale=scale, thickness=thickness)
    x, y = origin
    if background is not None:
        cv2.rectangle(image, (x - 3, y - h - 4), (x + w + 3, y + base + 2), background, -1)
    draw_text(image, text, (x, y), scale=scale, colour=colour, thickness=thickness)


def bounding_box(xy_px: np.ndarray, *, margin: float = 0.08) -> tuple[int, int, int, int] | None:
    """Box (x0, y0, x1, y1) around the finite landmarks, grown by ``margin`` of its size."""
    finite = xy_px[np.isfinite(xy_px).all(axis=1)]
    if finite.size == 0:
        return None
    x0, y0 = finite.min(axis=0)
    x1, y1 = finite.max(axis=0)
    mx, my = margin * (x1 - x0), margin * (y1 - y0)
    return int(x0 - mx), int(y0 - my), int(x1 + mx), int(y1 + my)


# --- Colours and helpers for measured angles, the annotated video and keyframes ---

FLAG_COLOUR: Colour = (230, 40, 40)  # red: a flagged stride or finding
CAUTION_COLOUR: Colour = (255, 190, 0)  # amber
OK_COLOUR: Colour = (60, 200, 90)  # green
REFERENCE_COLOUR: Colour = (255, 255, 255)  # dashed vertical / ground references
TRUNK_COLOUR: Colour = (255, 230, 60)  # yellow: the trunk lean line
FOOT_COLOUR: Colour = (230, 90, 255)  # magenta: the foot line (strike angle)
SHANK_COLOUR: Colour = (80, 240, 240)  # cyan: the shank line

# Text and line sizes are scaled from the image's short side; this is the
# short side at which ``scale = 1``.
_REFERENCE_SHORT_SIDE_PX = 720.0
_DASH_PX = 10.0


def ui_scale(shape: tuple[int, ...]) -> float:
    """Size factor for text and lines: 1.0 for a 720-pixel short side, at least 0.5."""
    return max(min(shape[0], shape[1]) / _REFERENCE_SHORT_SIDE_PX, 0.5)


def line_thickness(shape: tuple[int, ...], *, base: float = 2.0) -> int:
    """Line thickness in pixels for an image of ``shape``."""
    return max(1, round(base * ui_scale(shape)))


def finite_point(xy: np.ndarray) -> bool:
    """True when the (2,) point has finite coordinates."""
    return bool(np.isfinite(xy).all())


def draw_dashed_line(
    image: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    *,
    colour: Colour,
    thickness: int = 1,
    dash_px: float = _DASH_PX,
) -> None:
    """Dashed straight line from ``start`` to ``end`` (pixels)."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    length = float(np.linalg.norm(end - start))
    if not np.isfinite(length) or length < 1:
        return
    n = max(int(length // dash_px), 1)
    for k in range(0, n, 2):
        a = start + (end - start) * (k / n)
        b = start + (end - start) * (min(k + 1, n) / n)
        cv2.line(image, _pt(a), _pt(b), colour, thickness, cv2.LINE_AA)


def draw_angle(
    image: np.ndarray,
    *,
    vertex: np.ndarray,
    reference_dir: np.ndarray,
    segment_dir: np.ndarray,
    length_px: float,
    colour: Colour,
    label: str,
    thickness: int = 2,
) -> None:
    """Draw a measured angle: a dashed reference, the segment, an arc and a label.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3), uint8
    vertex : ndarray, shape (2,)
        Where both lines start (pixels).
    reference_dir, segment_dir : ndarray, shape (2,)
        Image-space directions of the reference (vertical or ground line) and
        of the measured segment; need not be unit length.
    length_px : float
        Length of both lines.
    colour : tuple
        Colour of the segment, arc and label.
    label : str
        Text written beside the arc (e.g. ``"lean 8.5°"``).
    """
    if not (finite_point(vertex) and finite_point(reference_dir) and finite_point(segment_dir)):
        return
    ref = reference_dir / (np.linalg.norm(reference_dir) or 1.0)
    seg = segment_dir / (np.linalg.norm(segment_dir) or 1.0)
    draw_dashed_line(
        image, vertex, vertex + ref * length_px, colour=REFERENCE_COLOUR, thickness=thickness
    )
    cv2.line(image, _pt(vertex), _pt(vertex + seg * length_px), colour, thickness + 1, cv2.LINE_AA)
    a_ref = np.degrees(np.arctan2(ref[1], ref[0]))
    a_seg = np.degrees(np.arctan2(seg[1], seg[0]))
    delta = (a_seg - a_ref + 180.0) % 360.0 - 180.0
    radius = max(int(0.35 * length_px), 6)
    cv2.ellipse(
        image,
        _pt(vertex),
        (radius, radius),
        0.0,
        a_ref,
        a_ref + delta,
        colour,
        thickness,
        cv2.LINE_AA,
    )
    mid = np.radians(a_ref + 0.5 * delta)
    anchor = vertex + (radius + 8) * np.array([np.cos(mid), np.sin(mid)])
    scale = 0.55 * ui_scale(image.shape)
    put_label(image, label, _pt(anchor), scale=scale, colour=colour)


def draw_border(image: np.ndarray, *, colour: Colour, thickness: int) -> None:
    """Frame the whole image with a solid border (in place)."""
    h, w = image.shape[:2]
    cv2.rectangle(image, (0, 0), (w - 1, h - 1), colour, thickness)


def draw_panel(
    image: np.ndarray,
    lines: list[tuple[str, Colour]],
    *,
    origin: tuple[int, int],
    scale: float,
    alpha: float = 0.6,
) -> tuple[int, int]:
    """Lines of text on a translucent dark box; returns the box's (width, height).

    Parameters
    ----------
    lines : list of (text, colour)
    origin : (x, y)
        Top-left corner of the box.
    scale : float
        OpenCV font scale.
    alpha : float
        Opacity of the dark background.
    """
    if not lines:
        return 0, 0
    thickness = max(1, round(scale * 2))
    sizes = [text_size(t, scale=scale, thickness=thickness) for t, _ in lines]
    gap = max(4, round(8 * scale))
    line_h = max(h + b for _, h, b in sizes) + gap
    pad = max(4, round(10 * scale))
    box_w = max(w for w, _, _ in sizes) + 2 * pad
    box_h = line_h * len(lines) + 2 * pad - gap
    x0, y0 = origin
    h_img, w_img = image.shape[:2]
    x1, y1 = min(x0 + box_w, w_img), min(y0 + box_h, h_img)
    if x1 > x0 and y1 > y0:
        roi = image[y0:y1, x0:x1]
        roi[:] = cv2.convertScaleAbs(roi, alpha=1.0 - alpha)
    for i, (text, colour) in enumerate(lines):
        y = y0 + pad + i * line_h + sizes[i][1]
        draw_text(image, text, (x0 + pad, y), scale=scale, colour=colour, thickness=thickness)
    return box_w, box_h


def draw_event_marker(
    image: np.ndarray, xy: np.ndarray, *, label: str, colour: Colour, scale: float
) -> None:
    """A ringed dot at a foot with a short label (e.g. "IC", "TO")."""
    if not finite_point(xy):
        return
    radius = max(5, round(9 * scale))
    thickness = max(2, round(2 * scale))
    cv2.circle(image, _pt(xy), radius, (0, 0, 0), thickness + 2, cv2.LINE_AA)
    cv2.circle(image, _pt(xy), radius, colour, thickness, cv2.LINE_AA)
    x, y = _pt(xy)
    put_label(image, label, (x + radius + 4, y - radius - 2), scale=0.6 * scale, colour=colour)


# Smallest text scale of a caption (Hershey simplex: about 9 px capitals);
# longer lines are wrapped rather than shrunk further.
MIN_CAPTION_SCALE = 0.45


def _wrap(text: str, *, width: int, scale: float, thickness: int) -> list[str]:
    """``text`` split at spaces into lines at most ``width`` pixels wide (a
    single word wider than that stays whole)."""
    out: list[str] = []
    for word in text.split(" "):
        if out and text_size(f"{out[-1]} {word}", scale=scale, thickness=thickness)[0] <= width:
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    return out


def with_caption(
    image: np.ndarray,
    lines: list[tuple[str, Colour]],
    *,
    scale: float,
    background: Colour = (24, 24, 24),
) -> np.ndarray:
    """A new image: ``image`` with a band of text lines added below it.

    Text is drawn at ``scale``, at least :data:`MIN_CAPTION_SCALE`; lines
    wider than the image are drawn smaller so they fit, down to that scale,
    and wrapped at spaces beyond it (a narrow portrait still), so the text
    stays readable.
    """
    if not lines:
        return image.copy()
    width = image.shape[1]
    scale = max(scale, MIN_CAPTION_SCALE)
    thickness = max(1, round(scale * 2))
    pad = max(6, round(10 * scale))
    widest = max(text_size(t, scale=scale, thickness=thickness)[0] for t, _ in lines)
    if widest > width - 2 * pad:
        scale = max(scale * (width - 2 * pad) / widest, MIN_CAPTION_SCALE)
        thickness = max(1, round(scale * 2))
        lines = [
            (part, colour)
            for text, colour in lines
            for part in _wrap(text, width=width - 2 * pad, scale=scale, thickness=thickness)
        ]
    sizes = [text_size(t, scale=scale, thickness=thickness) for t, _ in lines]
    line_h = max(h + b for _, h, b in sizes) + max(4, round(8 * scale))
    band = np.empty((line_h * len(lines) + 2 * pad, width, 3), np.uint8)
    band[:] = background
    for i, (text, colour) in enumerate(lines):
        y = pad + i * line_h + sizes[i][1]
        draw_text(band, text, (pad, y), scale=scale, colour=colour, thickness=thickness)
    return np.concatenate([image, band], axis=0)
