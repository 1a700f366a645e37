"""Several people in frame: link pose candidates into identities, pick the runner.

MediaPipe returns up to ``num_poses`` people per frame in no fixed order. We
link them frame to frame by the distance between body centres (Hungarian
assignment, gated by body size), then choose the person whose legs cycle:
the spread of the front-back distance between the ankles, relative to torso
length, weighted by how many frames the person is seen. A coach standing
beside the treadmill, however close to the camera, scores near zero.
"""

from __future__ import annotations

import warnings
from array import array
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from formcheck.capture.pose import Detections
from formcheck.capture.track import PoseTrack
from formcheck.errors import NoPersonError
from formcheck.landmarks import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_SHOULDER,
)

# A candidate joins an identity only if its centre moved less than this many
# torso lengths since the identity was last seen.
_MAX_JUMP_TORSO = 0.8
# Frames an identity may go unseen before it is closed.
_MAX_UNSEEN_FRAMES = 15
# An identity seen on fewer frames than this share is ignored as a runner.
_MIN_COVERAGE = 0.2


@dataclass(frozen=True)
class Person:
    """One linked identity.

    Attributes
    ----------
    frames : ndarray of int32, shape (m,)
        Frames where the person is present, increasing.
    slots : ndarray of int8, shape (m,)
        Detection slot holding this person in each of those frames.
    n_frames : int
        Frames in the video.
    coverage : float
        Share of frames where the person is present.
    leg_cycling : float
        Robust spread (10th-90th percentile) of |ankle x difference| / torso
        length: about 0.5-1 for running or walking, near 0 for standing.
    mean_height_px : float
        Mean shoulder-to-ankle height in pixels (how large the person appears).

    Only the frames where the person is present are stored, so a long video
    with many passers-by costs memory in proportion to the detections, not
    to frames x people.
    """

    frames: np.ndarray
    slots: np.ndarray
    n_frames: int
    coverage: float
    leg_cycling: float
    mean_height_px: float

    @property
    def slot_of_frame(self) -> np.ndarray:
        """Detection slot in each frame, -1 where absent, shape (n_frames,)."""
        out = np.full(self.n_frames, -1, dtype=np.int8)
        out[self.frames] = self.slots
        return out

    @property
    def score(self) -> float:
        """Runner score: leg cycling weighted by coverage."""
        return self.leg_cycling * self.coverage


def _centres_and_sizes(det: Detections) -> tuple[np.ndarray, np.ndarray]:
    """Body centres (n, slots, 2) and torso lengths (n, slots) in pixels."""
    hips = np.nanmean(det.xy_px[:, :, [LEFT_HIP, RIGHT_HIP]], axis=2)
    shoulders = np.nanmean(det.xy_px[:, :, [LEFT_SHOULDER, RIGHT_SHOULDER]], axis=2)
    centres = 0.5 * (hips + shoulders)
    torso = np.linalg.norm(shoulders - hips, axis=-1)
    return centres, torso


def link_people(det: Detections) -> list[Person]:
    """Link per-frame candidates into identities.

    Parameters
    ----------
    det : Detections

    Returns
    -------
    list of Person
        Every identity seen, in order of first appearance.
    """
    n_frames, _n_slots = det.xy_px.shape[:2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # empty slots are all-NaN
        centres, torso = _centres_and_sizes(det)
    present = np.isfinite(centres).all(axis=-1)
    track_frames: list[array[int]] = []
    track_slots: list[array[int]] = []
    last_pos: list[np.ndarray] = []
    last_size: list[float] = []
    last_seen: list[int] = []
    open_ids: list[int] = []  # increasing; a closed identity never reopens
    for f in range(n_frames):
        slots = np.flatnonzero(present[f])
        open_ids = [k for k in open_ids if f - last_seen[k] <= _MAX_UNSEEN_FRAMES]
        assigned: dict[int, int] = {}
        if slots.size and open_ids:
            cost = np.array(
                [
                    [
                        np.linalg.norm(centres[f, s] - last_pos[k]) / max(last_size[k], 1.0)
                        for s in slots
                    ]
                    for k in open_ids
                ]
            )
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols, strict=True):
                if cost[r, c] <= _MAX_JUMP_TORSO:
                    assigned[int(slots[c])] = open_ids[r]
        for s in slots:
            k = assigned.get(int(s))
            if k is None:
                track_frames.append(array("i"))
                track_slots.append(array("b"))
                last_pos.append(centres[f, s])
                last_size.append(float(torso[f, s]))
                last_seen.append(f)
                k = len(track_frames) - 1
                open_ids.append(k)
            track_frames[k].append(f)
            track_slots[k].append(int(s))
            last_pos[k] = centres[f, s]
            last_size[k] = float(torso[f, s]) if np.isfinite(torso[f, s]) else last_size[k]
            last_seen[k] = f
    return [
        _describe(
            det,
            np.frombuffer(frames, dtype=np.int32).copy(),
            np.frombuffer(slots_, dtype=np.int8).copy(),
        )
        for frames, slots_ in zip(track_frames, track_slots, strict=True)
    ]


def _describe(det: Detections, frames: np.ndarray, slots: np.ndarray) -> Person:
    n_frames = int(det.xy_px.shape[0])
    pts = det.xy_px[frames, slots]
    hips = 0.5 * (pts[:, LEFT_HIP] + pts[:, RIGHT_HIP])
    shoulders = 0.5 * (pts[:, LEFT_SHOULDER] + pts[:, RIGHT_SHOULDER])
    torso = np.linalg.norm(shoulders - hips, axis=-1)
    ankles_dx = np.abs(pts[:, LEFT_ANKLE, 0] - pts[:, RIGHT_ANKLE, 0]) / np.maximum(torso, 1.0)
    ankles_y = 0.5 * (pts[:, LEFT_ANKLE, 1] + pts[:, RIGHT_ANKLE, 1])
    height = np.abs(ankles_y - shoulders[:, 1])
    if frames.size >= 5:
        lo, hi = np.nanpercentile(ankles_dx, [10, 90])
        cycling = float(hi - lo)
    else:
        cycling = 0.0
    return Person(
        frames=frames,
        slots=slots,
        n_frames=n_frames,
        coverage=frames.size / max(n_frames, 1),
        leg_cycling=cycling,
        mean_height_px=float(np.nanmean(height)) if frames.size else 0.0,
    )


def choose_runner(people: list[Person], *, source: str) -> int:
    """Index of the person most likely to be the runner.

    Raises
    ------
    NoPersonError
        Nobody was detected on any frame.
    """
    if not people:
        raise NoPersonError(f"{source}: no person was detected on any frame")
    eligible = [i for i, p in enumerate(people) if p.coverage >= _MIN_COVERAGE] or list(
        range(len(people))
    )
    return max(eligible, key=lambda i: (people[i].score, people[i].coverage))


def person_track(det: Detections, person: Person, *, source: str) -> PoseTrack:
    """Extract one person's landmarks as a :class:`PoseTrack` (NaN where absent)."""
    n = det.xy_px.shape[0]
    frames, slots = person.frames, person.slots
    xy = np.full(det.xy_px.shape[:1] + det.xy_px.shape[2:], np.nan, dtype=det.xy_px.dtype)
    z = np.full((n, det.z.shape[2]), np.nan, dtype=det.z.dtype)
    vis = np.zeros_like(z)
    pres = np.zeros_like(z)
    xy[frames] = det.xy_px[frames, slots]
    z[frames] = det.z[frames, slots]
    vis[frames] = det.visibility[frames, slots]
    pres[frames] = det.presence[frames, slots]
    info = det.info
    return PoseTrack(
        xy_px=xy,
        z=z,
        visibility=vis,
        presence=pres,
        timestamps_s=det.timestamps_s.copy(),
        fps=info.fps,
        width=info.width,
        height=info.height,
        source=source,
        model_id=det.model_id,
        settings={
            "running_mode": det.settings.running_mode,
            "num_poses": det.settings.num_poses,
            "min_detection_confidence": det.settings.min_detection_confidence,
            "min_presence_confidence": det.settings.min_presence_confidence,
            "min_tracking_confidence": det.settings.min_tracking_confidence,
            "runner_crop": det.settings.runner_crop,
        },
        repeated=None if det.repeated is None else det.repeated.copy(),
    )
