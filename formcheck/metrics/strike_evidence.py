"""More evidence for the foot strike class than the heel -> toe line at contact.

MediaPipe puts the heel point 10-16 % of a foot length forward of the sole's
back corner and 5-7 % above it, and the foot_index 6-13 % behind the toe tip
and 7-10 % above it (docs/synthetic.md), so the heel -> toe line at contact
is shorter than the sole and its two ends sit at different heights above it:
toes-up landings read flatter, toes-down ones less toes-down. Those offsets
are nearly constant over a few frames, so each landmark's *own* height
during foot-flat is a better zero than the line between the two.

:func:`ground_referenced_strike_angle_deg`: the foot's path into contact.
At initial contact, how high each end of the foot is above the level it
sits at when the foot is flat a few frames later; the difference over the
foot's length gives the strike angle, with each landmark's constant offset
cancelled. A heel strike has the toe above its flat level at contact and the
heel at it; a forefoot strike the reverse.

Measured against the truth with MediaPipe (4 rendered clips of the
robustness baseline, 480x360, 30 fps, 3 s; strike angles 20, 3, -8, 16 deg;
10 near-leg landings with angles; the same landing times as the analysis):
the heel -> toe line at contact: bias +1.4 deg, SD 3.8, class right 8/10;
this estimate: bias +6.1 deg, SD 4.0, class right 5/10 (it reads toes-up:
-8 deg landings as +0.6..+3.2). MediaPipe's foot points do not keep their
offsets between contact and foot-flat, so the premise fails on the pose
model. Not used by the analysis; kept with its tests so the measurement
can be repeated (e.g. at 60 fps, or with the landing time refined).

Pure functions; no I/O.
"""

from __future__ import annotations

import numpy as np

from formcheck.landmarks import LegIndices

# Foot-flat window after initial contact, seconds: the foot is flat from
# about 15 % of contact (30-45 ms) until the heel rises at about 55 %
# (120 ms and later for contacts of 220-300 ms).
FLAT_WINDOW_S = (0.05, 0.11)
# Frames either side of the contact averaged for the heights at contact
# (from the two frames around it, interpolated).


def ground_referenced_strike_angle_deg(
    runner_raw_xy: np.ndarray,
    times_s: np.ndarray,
    *,
    ic_s: float,
    leg: LegIndices,
    flat_window_s: tuple[float, float] = FLAT_WINDOW_S,
) -> float:
    """Strike angle from each foot end's height at contact above its own flat level.

    Parameters
    ----------
    runner_raw_xy : ndarray, shape (n_frames, 33, 2)
        Unfiltered landmarks in the runner frame (x forward, y up), any unit.
    times_s : ndarray, shape (n_frames,)
        Increasing frame times, seconds.
    ic_s : float
        Initial contact time, seconds.
    leg : LegIndices
    flat_window_s : tuple of float
        Foot-flat span after contact, seconds (start, end).

    Returns
    -------
    float
        Degrees, + toes up: ``asin((dh_toe - dh_heel) / foot_length)`` with
        ``dh`` each end's height at contact (interpolated between the frames
        around it) minus its median height in the flat window and the foot
        length the median heel-toe distance there. NaN when a frame around
        contact or every frame of the window is missing.
    """
    heel = runner_raw_xy[:, leg.heel]
    toe = runner_raw_xy[:, leg.toe]
    lo = int(np.searchsorted(times_s, ic_s + flat_window_s[0], side="left"))
    hi = int(np.searchsorted(times_s, ic_s + flat_window_s[1], side="right"))
    if hi <= lo:  # sparse frames: the nearest frame after the window's start
        hi = min(lo + 1, times_s.size)
    flat = slice(lo, hi)
    foot = np.linalg.norm(toe[flat] - heel[flat], axis=1)
    heel_flat = np.nanmedian(heel[flat, 1]) if np.isfinite(heel[flat, 1]).any() else np.nan
    toe_flat = np.nanmedian(toe[flat, 1]) if np.isfinite(toe[flat, 1]).any() else np.nan
    length = np.nanmedian(foot) if np.isfinite(foot).any() else np.nan
    heel_ic = np.interp(ic_s, times_s, heel[:, 1], left=np.nan, right=np.nan)
    toe_ic = np.interp(ic_s, times_s, toe[:, 1], left=np.nan, right=np.nan)
    rise = (toe_ic - toe_flat) - (heel_ic - heel_flat)
    if not (np.isfinite(rise) and np.isfinite(length) and length > 0):
        return float("nan")
    return float(np.degrees(np.arcsin(np.clip(rise / length, -1.0, 1.0))))
