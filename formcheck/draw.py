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
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    x, y = origin
    if background is not None:
        cv2.rectangle(image, (x - 3, y - h - 4), (x + w + 3, y + base + 2), background, -1)
    cv2.putText(
        image, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA
    )


def bounding_box(xy_px: np.ndarray, *, margin: float = 0.08) -> tuple[int, int, int, int] | None:
    """Box (x0, y0, x1, y1) around the finite landmarks, grown by ``margin`` of its size."""
    finite = xy_px[np.isfinite(xy_px).all(axis=1)]
    if finite.size == 0:
        return None
    x0, y0 = finite.min(axis=0)
    x1, y1 = finite.max(axis=0)
    mx, my = margin * (x1 - x0), margin * (y1 - y0)
    return int(x0 - mx), int(y0 - my), int(x1 + mx), int(y1 + my)
