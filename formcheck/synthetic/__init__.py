"""The synthetic runner: exact ground truth for every metric.

Layers (each a module with one job):

- :mod:`formcheck.synthetic.kinematics`: parametric 2D gait model in the
  runner frame (x forward, y up, metres); exact contacts.
- :mod:`formcheck.synthetic.camera`: runner frame <-> image pixels.
- :mod:`formcheck.synthetic.noise`: pose-model-like corruption of a track.
- :mod:`formcheck.synthetic.angles`: the METRICS.md angle definitions.
- :mod:`formcheck.synthetic.truth`: the :class:`Truth` record and its JSON.
- :mod:`formcheck.synthetic.landmarks`: synthetic :class:`PoseTrack` + truth.
- :mod:`formcheck.synthetic.render` / :mod:`formcheck.synthetic.draw`: video.
- :mod:`formcheck.synthetic.samples`: the clips in ``sample_videos/``.

Importing this package imports numpy only (no OpenCV, no PyAV, no I/O).
"""

from __future__ import annotations

from formcheck.synthetic.camera import CameraParams
from formcheck.synthetic.kinematics import BodyProportions, Contact, RunnerParams, contacts
from formcheck.synthetic.landmarks import synthetic_track
from formcheck.synthetic.noise import NoiseParams
from formcheck.synthetic.truth import Truth, read_truth, write_truth

__all__ = [
    "BodyProportions",
    "CameraParams",
    "Contact",
    "NoiseParams",
    "RunnerParams",
    "Truth",
    "contacts",
    "read_truth",
    "synthetic_track",
    "write_truth",
]
