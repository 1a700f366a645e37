"""Frame differences during the pose pass: repeated frames and the moving region.

Each decoded frame is shrunk to a small grey image (160 px wide, area
averaging) and compared with the previous one. Two things come out of that
one cheap difference:

- **Repeated frames.** A clip that stores every frame two or three times (a
  slowed-down export, a frame-rate conversion) has consecutive frames that
  differ by compression noise only. Measured on ``sprint_tripled_frames``
  (every frame stored 3 times): the largest difference of a repeat is 0-1
  grey level, of a new frame 130-210; a real static scene (a sprinter in
  the blocks, ``sprint_start_b13``/``b2``) differs by 3-11 from sensor
  noise. A frame is a repeat when its difference is below
  :data:`REPEAT_MAX_DIFF` *and* far below the differences around it, so a
  still scene is not taken for repeats.
- **The moving region.** A running person moves; a bystander standing by
  does not. The differences, kept with a short memory, give the box where
  the picture moves, which is where the pose stage looks for a runner the
  whole frame missed (:mod:`formcheck.capture.roi`).
"""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.capture.roi import Box

# Width of the grey image the differences are taken on, pixels.
DIFF_WIDTH_PX = 160
# A repeat differs from the frame before by less than this (largest
# absolute difference, grey levels 0-255, on the small image) ...
REPEAT_MAX_DIFF = 3.0
# ... and by less than this share of the largest difference among the
# frames around it (REPEAT_WINDOW on either side).
REPEAT_MAX_SHARE = 0.2
REPEAT_WINDOW = 3
# Half-life of the motion memory, seconds.
MOTION_HALF_LIFE_S = 0.15
# A pixel moves when its remembered difference exceeds both this (grey
# levels; above sensor noise, measured 3-11 on still real scenes) and this
# share of the frame's largest remembered difference.
MOTION_MIN_DIFF = 20.0
MOTION_PEAK_SHARE = 0.25


class FrameDiffer:
    """Feed frames in decode order; read repeats and the moving region.

    Parameters
    ----------
    frame_width : int
        Width of the decoded frames, pixels.
    fps : float
        Nominal frame rate (for the motion memory).
    """

    def __init__(self, *, frame_width: int, fps: float) -> None:
        self.scale = min(1.0, DIFF_WIDTH_PX / max(frame_width, 1))
        frames = max(MOTION_HALF_LIFE_S * max(fps, 1.0), 1.0)
        self.decay = 0.5 ** (1.0 / frames)
        self.previous: np.ndarray | None = None
        self.memory: np.ndarray | None = None
        self.diffs: list[float] = []

    def add(self, rgb: np.ndarray) -> None:
        """Take the next frame, (H, W, 3) uint8 RGB."""
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        if self.scale < 1.0:
            grey = cv2.resize(
                grey, None, fx=self.scale, fy=self.scale, interpolation=cv2.INTER_AREA
            )
        small = grey.astype(np.float32)
        if self.previous is None or self.previous.shape != small.shape:
            self.diffs.append(float("nan"))
            self.memory = np.zeros_like(small)
        else:
            diff = np.abs(small - self.previous)
            self.diffs.append(float(diff.max()))
            assert self.memory is not None
            self.memory = np.maximum(self.memory * self.decay, diff)
        self.previous = small

    def motion_box(self) -> Box | None:
        """Box (frame pixels) of the largest-moving region in recent frames, or None."""
        if self.memory is None:
            return None
        return moving_box(self.memory, scale=self.scale)

    def repeated(self) -> np.ndarray:
        """Boolean (n_frames,): frame repeats the one before (see module docs)."""
        return repeated_frames(np.asarray(self.diffs, dtype=float))


def repeated_frames(diffs: np.ndarray) -> np.ndarray:
    """Which frames repeat the frame before.

    Parameters
    ----------
    diffs : ndarray, shape (n,)
        Largest absolute grey difference of each frame from the one before
        (NaN for the first frame).

    Returns
    -------
    ndarray of bool, shape (n,)
        True where ``diffs < REPEAT_MAX_DIFF`` and ``diffs`` is below
        ``REPEAT_MAX_SHARE`` of the largest difference within
        ``REPEAT_WINDOW`` frames on either side.
    """
    d = np.asarray(diffs, dtype=float)
    n = d.size
    out = np.zeros(n, dtype=bool)
    filled = np.where(np.isfinite(d), d, 0.0)
    for i in range(n):
        if not np.isfinite(d[i]):
            continue
        lo, hi = max(0, i - REPEAT_WINDOW), min(n, i + REPEAT_WINDOW + 1)
        around = filled[lo:hi].max()
        out[i] = d[i] < REPEAT_MAX_DIFF and d[i] < REPEAT_MAX_SHARE * around
    return out


def unique_frame_rate(repeated: np.ndarray, *, fps: float) -> float:
    """Frames per second that carry a new picture: ``fps`` x the share not repeated."""
    n = repeated.size
    return float(fps * (n - int(repeated.sum())) / n) if n else float(fps)


def moving_box(memory: np.ndarray, *, scale: float) -> Box | None:
    """Bounding box (frame pixels) of the moving blob with the most motion.

    Parameters
    ----------
    memory : ndarray, shape (h, w)
        Remembered absolute differences on the small image.
    scale : float
        Small image pixels per frame pixel.
    """
    peak = float(memory.max())
    threshold = max(MOTION_MIN_DIFF, MOTION_PEAK_SHARE * peak)
    if peak <= threshold:
        return None
    mask = cv2.dilate((memory > threshold).astype(np.uint8), np.ones((5, 5), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return None
    energy = np.bincount(labels.ravel(), weights=memory.ravel(), minlength=count)
    best = 1 + int(np.argmax(energy[1:]))
    x, y, w, h = (int(v) for v in stats[best, :4])
    return x / scale, y / scale, (x + w) / scale, (y + h) / scale
