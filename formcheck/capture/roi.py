"""Region of interest: where to run the pose model again when the whole frame misses the runner.

MediaPipe's person detector sees the whole frame shrunk to 224 x 224, so a
runner a third of a landscape frame's height is about 40 px tall there and
often not found; on a crop around the runner the same model finds them on
every frame. A bystander nearer the camera can also take the detection. So
the pose stage follows the runner with a crop: the runner's last landmark
box, moved on by its velocity and widened by a margin, or (before the runner
has been seen) the region where the picture moves (:mod:`formcheck.capture.motion`).

Coordinates: a crop is cut from the frame at full resolution, never resized,
so its aspect ratio is the frame's pixels' own. MediaPipe's normalised
coordinates are relative to the image it is given, so a landmark at
normalised ``(u, v)`` in a crop with top-left ``(x0, y0)`` and size
``(w, h)`` pixels is at ``(x0 + u w, y0 + v h)`` in the frame, and its
normalised frame coordinates are those pixels over the frame's size.
MediaPipe's ``z`` is in units of the image width, so it scales by
``w / frame width``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Margin added on every side of the runner's box, as a share of the box's
# larger side (covers limbs the previous frame's landmarks did not reach).
ROI_MARGIN = 0.3
# Smallest crop side, pixels (MediaPipe upsamples a small crop itself).
MIN_ROI_SIDE_PX = 96
# A crop this large a share of the frame adds nothing to the whole frame.
MAX_ROI_AREA_SHARE = 0.6
# A whole-frame candidate whose box overlaps the region's target box at
# least this much (intersection over union) is the person followed: no crop.
MATCH_IOU = 0.3
# A crop candidate whose centre is within this share of its box height of a
# whole-frame candidate's centre is the same person (the crop's copy is dropped).
DUPLICATE_DISTANCE_SHARE = 0.25

# A target box shorter than this share of the frame height is small: the
# whole frame gives the detector (224 px) under about 60 px of it in a
# landscape frame, so the crop always runs and its landmarks are used.
SMALL_TARGET_SHARE = 0.5
# A person with at least this share of their box inside the moving region moves.
MOVING_SHARE = 0.3

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in frame pixels


@dataclass(frozen=True)
class Roi:
    """A crop of the frame, in integer frame pixels.

    Attributes
    ----------
    x0, y0 : int
        Top-left corner, pixels.
    width, height : int
        Size, pixels (the crop is ``rgb[y0:y0 + height, x0:x0 + width]``).
    target : Box
        The box the crop was built around (the runner's expected box).
    """

    x0: int
    y0: int
    width: int
    height: int
    target: Box

    def crop(self, rgb: np.ndarray) -> np.ndarray:
        """The crop of an (H, W, 3) image, C-contiguous (MediaPipe needs that)."""
        return np.ascontiguousarray(
            rgb[self.y0 : self.y0 + self.height, self.x0 : self.x0 + self.width]
        )

    def to_frame_px(self, uv: np.ndarray) -> np.ndarray:
        """Normalised crop coordinates (..., 2) -> frame pixels (..., 2)."""
        uv = np.asarray(uv, dtype=float)
        return np.stack(
            [self.x0 + uv[..., 0] * self.width, self.y0 + uv[..., 1] * self.height], axis=-1
        )

    def to_frame_z(self, z: np.ndarray, *, frame_width: int) -> np.ndarray:
        """MediaPipe depth in crop widths -> in frame widths."""
        return np.asarray(z, dtype=float) * (self.width / frame_width)

    def as_array(self) -> np.ndarray:
        """``[x0, y0, width, height]`` as floats (for per-frame records)."""
        return np.array([self.x0, self.y0, self.width, self.height], dtype=float)


def landmark_box(xy_px: np.ndarray) -> Box | None:
    """Bounding box of the finite landmarks of one person (33, 2), or None."""
    finite = np.isfinite(xy_px).all(axis=-1)
    if not finite.any():
        return None
    pts = xy_px[finite]
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when either is empty)."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area_a = max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1])
    area_b = max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def box_union(a: Box, b: Box) -> Box:
    """Smallest box holding both."""
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def roi_around(
    box: Box, *, frame_width: int, frame_height: int, margin: float = ROI_MARGIN
) -> Roi | None:
    """A square crop centred on ``box``, widened by ``margin`` of its larger side.

    The square is moved (not shrunk) to lie inside the frame; only a square
    larger than the frame's short side is cut to the frame. Returns None when
    the crop would cover more than :data:`MAX_ROI_AREA_SHARE` of the frame
    (the whole frame then serves as well).

    Parameters
    ----------
    box : Box
        ``(x0, y0, x1, y1)`` in frame pixels.
    frame_width, frame_height : int
        Frame size, pixels.
    margin : float
        Added on every side, as a share of the box's larger side.
    """
    w, h = box[2] - box[0], box[3] - box[1]
    side = max(w, h) * (1.0 + 2.0 * margin)
    side = round(max(side, MIN_ROI_SIDE_PX))
    cx, cy = 0.5 * (box[0] + box[2]), 0.5 * (box[1] + box[3])
    width, height = min(side, frame_width), min(side, frame_height)
    if width * height > MAX_ROI_AREA_SHARE * frame_width * frame_height:
        return None
    x0 = int(np.clip(round(cx - width / 2), 0, frame_width - width))
    y0 = int(np.clip(round(cy - height / 2), 0, frame_height - height))
    return Roi(x0=x0, y0=y0, width=int(width), height=int(height), target=box)


def predicted_box(boxes: list[tuple[int, Box]], *, frame_index: int) -> Box:
    """The followed person's box at ``frame_index``, from earlier boxes.

    ``boxes`` is ``[(frame, box), ...]`` in frame order, the last one the most
    recent. With two or more, the box moves on at the centre velocity between
    the first and the last; the result is the union of the last box and the
    moved box, so a wrong velocity still leaves the last position inside.
    """
    last_frame, last = boxes[-1]
    if len(boxes) < 2 or frame_index <= last_frame:
        return last
    first_frame, first = boxes[0]
    span = last_frame - first_frame
    if span <= 0:
        return last
    vx = (0.5 * (last[0] + last[2]) - 0.5 * (first[0] + first[2])) / span
    vy = (0.5 * (last[1] + last[3]) - 0.5 * (first[1] + first[3])) / span
    dt = frame_index - last_frame
    moved = (last[0] + vx * dt, last[1] + vy * dt, last[2] + vx * dt, last[3] + vy * dt)
    return box_union(last, moved)


def is_duplicate(candidate: np.ndarray, others: list[np.ndarray]) -> bool:
    """Whether a crop candidate (33, 2) is a person already among ``others``."""
    box = landmark_box(candidate)
    if box is None:
        return True
    centre = np.array([0.5 * (box[0] + box[2]), 0.5 * (box[1] + box[3])])
    height = max(box[3] - box[1], 1.0)
    for other in others:
        ob = landmark_box(other)
        if ob is None:
            continue
        oc = np.array([0.5 * (ob[0] + ob[2]), 0.5 * (ob[1] + ob[3])])
        if np.linalg.norm(centre - oc) < DUPLICATE_DISTANCE_SHARE * height:
            return True
    return False


def same_person(candidate: np.ndarray, other: np.ndarray) -> bool:
    """Whether two candidates (33, 2) are one person read twice: boxes overlapping
    by :data:`MATCH_IOU`, or centres within half the taller box's height."""
    a, b = landmark_box(candidate), landmark_box(other)
    if a is None or b is None:
        return False
    height = max(a[3] - a[1], b[3] - b[1], 1.0)
    ca = np.array([0.5 * (a[0] + a[2]), 0.5 * (a[1] + a[3])])
    cb = np.array([0.5 * (b[0] + b[2]), 0.5 * (b[1] + b[3])])
    return box_iou(a, b) >= MATCH_IOU or float(np.linalg.norm(ca - cb)) < 0.5 * height


def matches_target(candidates: list[np.ndarray], roi: Roi) -> bool:
    """Whether a whole-frame candidate (33, 2) already covers the region's target.

    A candidate covers it when its box overlaps the target box by
    :data:`MATCH_IOU`, or when its centre lies inside the target box and it
    is at least half the target's height (a moving region may be wider than
    the person in it: a treadmill belt moves too).
    """
    t = roi.target
    for cand in candidates:
        box = landmark_box(cand)
        if box is None:
            continue
        cx, cy = 0.5 * (box[0] + box[2]), 0.5 * (box[1] + box[3])
        inside = t[0] <= cx <= t[2] and t[1] <= cy <= t[3]
        tall = box[3] - box[1] >= 0.5 * (t[3] - t[1])
        if box_iou(box, t) >= MATCH_IOU or (inside and tall):
            return True
    return False


class RunnerFollower:
    """Which region to crop on each frame, from the frames already landmarked.

    The region for frame ``f`` depends only on frames up to ``f - lag_frames``
    (and on the moving region, known at decode time), so the result is the
    same however many frames are in flight in the worker threads.

    Parameters
    ----------
    frame_width, frame_height : int
        Frame size, pixels.
    lag_frames : int
        Frames between the newest landmarks used and the frame planned; at
        least the number of frames in flight.
    max_unseen_frames : int
        After this many frames without the followed person, the moving
        region is used again.
    """

    def __init__(
        self, *, frame_width: int, frame_height: int, lag_frames: int, max_unseen_frames: int
    ) -> None:
        self.size = (frame_width, frame_height)
        self.lag = lag_frames
        self.max_unseen = max_unseen_frames
        self.history: list[tuple[int, Box]] = []

    def _recent(self, frame_index: int, *, newest: int) -> list[tuple[int, Box]]:
        known = [(f, b) for f, b in self.history if f <= newest]
        if not known or frame_index - known[-1][0] > self.lag + self.max_unseen:
            return []
        last = known[-1][0]
        return [(f, b) for f, b in known if f >= last - self.lag]

    def plan(self, frame_index: int, *, motion_box: Box | None) -> Roi | None:
        """The crop for ``frame_index``: around the followed person, else the moving region."""
        width, height = self.size
        recent = self._recent(frame_index, newest=frame_index - self.lag)
        if recent:
            box = predicted_box(recent, frame_index=frame_index)
            return roi_around(box, frame_width=width, frame_height=height)
        if motion_box is not None:
            return roi_around(motion_box, frame_width=width, frame_height=height, margin=0.1)
        return None

    def update(
        self,
        frame_index: int,
        *,
        candidates: list[np.ndarray],
        crop_candidate: np.ndarray | None,
        motion_box: Box | None,
    ) -> None:
        """Record which candidate (33, 2) on ``frame_index`` is the followed person.

        Called in frame order. The followed person is the candidate nearest
        the last followed box (within 0.75 of its height, at 0.5-2 times its
        height); with nobody followed, the crop's candidate (found where we
        looked), else the whole-frame candidate over the moving region. A
        person over the moving region is preferred to one outside it (a
        runner moves; a bystander, or a figure the model sees in the
        background, stands still).
        """
        crop_box = None if crop_candidate is None else landmark_box(crop_candidate)
        boxes = [b for b in (landmark_box(c) for c in candidates) if b is not None]
        boxes += [crop_box] if crop_box is not None else []
        recent = self._recent(frame_index, newest=frame_index - 1)
        chosen = _nearest(boxes, recent[-1][1]) if recent else crop_box
        if motion_box is not None:
            moving = [b for b in boxes if _share_inside(b, motion_box) >= MOVING_SHARE]
            if moving and chosen not in moving:
                chosen = (
                    crop_box
                    if crop_box in moving
                    else max(moving, key=lambda b: _share_inside(b, motion_box))
                )
        if chosen is not None:
            self.history.append((frame_index, chosen))
            keep = 2 * self.lag + self.max_unseen
            self.history = [(f, b) for f, b in self.history if f >= frame_index - keep]


def _share_inside(box: Box, region: Box) -> float:
    """Share of ``box``'s area inside ``region``."""
    ix = max(0.0, min(box[2], region[2]) - max(box[0], region[0]))
    iy = max(0.0, min(box[3], region[3]) - max(box[1], region[1]))
    area = max(box[2] - box[0], 1e-9) * max(box[3] - box[1], 1e-9)
    return ix * iy / area


def _nearest(boxes: list[Box], last: Box) -> Box | None:
    """The box nearest ``last`` (centre distance) within the follow gates, or None."""
    height = max(last[3] - last[1], 1.0)
    centre = np.array([0.5 * (last[0] + last[2]), 0.5 * (last[1] + last[3])])
    best, best_d = None, 0.75 * height
    for box in boxes:
        ratio = (box[3] - box[1]) / height
        d = float(
            np.linalg.norm(np.array([0.5 * (box[0] + box[2]), 0.5 * (box[1] + box[3])]) - centre)
        )
        if 0.5 <= ratio <= 2.0 and d < best_d:
            best, best_d = box, d
    return best
