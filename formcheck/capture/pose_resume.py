"""Full-mode pose pass, checkpointed in parts and resumed after an interruption.

The pass over every frame of a video (:func:`formcheck.capture.pose.detect_poses`)
hands over a part every ``long_run.checkpoint_every_s`` seconds of video
(:mod:`formcheck.capture.pose_parts`); each is written at once to the job's
:class:`~formcheck.checkpoint.CheckpointStore` with the downscaled frames
the pipeline kept from it for the camera roll and the people preview. A
re-run reads the parts that are complete, consecutive and intact, and
carries on decoding from the frame after the last of them; when the pass
had finished (a crash later, e.g. while encoding the annotated video) no
frame is decoded at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import numpy as np

from formcheck.capture.pose import Detections, detect_poses, detections_of_part
from formcheck.capture.pose_parts import (
    PART_FORMAT_VERSION,
    PosePart,
    join_parts,
    part_from_arrays,
    part_to_arrays,
)
from formcheck.capture.video import VideoInfo
from formcheck.checkpoint import CheckpointStore
from formcheck.config import PoseConfig
from formcheck.progress import NullProgress, ProgressReporter

#: Called after each part is checkpointed: (part index, frames done so far).
PartHook = Callable[[int, int], None]
#: Downscaled frames kept during the pass: frame index -> (image, scale).
Samples = dict[int, tuple[np.ndarray, float]]
_SAMPLE_PREFIX = "sample_"


def part_frames_for(*, fps: float, every_s: float) -> int:
    """Frames per checkpointed part: ``every_s`` seconds at ``fps``, at least 1."""
    return max(1, int(round(every_s * fps)))


def full_job_key(*, video_key: str, part_frames: int) -> str:
    """Checkpoint key of a full-mode pass: the pose cache key plus the part size."""
    blob = json.dumps(
        {"pose": video_key, "mode": "full", "part_frames": part_frames, "v": PART_FORMAT_VERSION}
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def saved_parts(store: CheckpointStore) -> tuple[list[PosePart], Samples]:
    """The parts of ``store`` that can be trusted, from frame 0, and their kept frames.

    Reading stops at the first part that is missing, damaged, stale or does
    not start where the one before ended; nothing after it is used.
    """
    parts: list[PosePart] = []
    samples: Samples = {}
    while not (parts and parts[-1].final):
        loaded = store.load_part(len(parts))
        if loaded is None:
            break
        arrays, meta = loaded
        try:
            part = part_from_arrays(arrays, meta)
            kept = {
                int(index): (arrays[_SAMPLE_PREFIX + index], float(scale))
                for index, scale in meta.get("samples", {}).items()
            }
        except (ValueError, KeyError, TypeError):
            break
        if part.start != (parts[-1].stop if parts else 0):
            break
        parts.append(part)
        samples.update(kept)
    return parts, samples


class _PartWriter:
    """Checkpoints each part the pass hands over, with the frames kept from it."""

    def __init__(
        self, store: CheckpointStore, samples: Samples, *, first: int, hook: PartHook | None
    ) -> None:
        self.store, self.samples, self.index, self.hook = store, samples, first, hook

    def __call__(self, part: PosePart) -> None:
        arrays, meta = part_to_arrays(part)
        kept = {i: v for i, v in self.samples.items() if part.start <= i < part.stop}
        for index, (image, _) in kept.items():
            arrays[f"{_SAMPLE_PREFIX}{index}"] = image
        meta["samples"] = {str(index): scale for index, (_, scale) in kept.items()}
        self.store.save_part(self.index, arrays, meta)
        if self.hook is not None:
            self.hook(self.index, part.stop)
        self.index += 1


def resumable_detect_poses(
    info: VideoInfo,
    *,
    settings: PoseConfig,
    model_id: str,
    store: CheckpointStore,
    part_frames: int,
    samples: Samples,
    on_frame: Callable[[int, np.ndarray], None] | None = None,
    progress: ProgressReporter | None = None,
    on_part: PartHook | None = None,
) -> tuple[Detections, int]:
    """The pose pass over every frame, resumed from ``store`` and checkpointed to it.

    Parameters
    ----------
    info : VideoInfo
    settings : PoseConfig
    model_id : str
        Of the pose model (for detections rebuilt wholly from checkpoints).
    store : CheckpointStore
        Keyed by :func:`full_job_key`.
    part_frames : int
        Frames per part (:func:`part_frames_for`).
    samples : dict
        The caller's kept frames (``on_frame`` fills it): the frames kept
        from resumed parts are put in, those of new parts are checkpointed.
    on_frame : callable, optional
        Called with ``(index, rgb)`` for every frame decoded.
    progress : ProgressReporter, optional
        Its label says where the pass resumed (``pose, resumed at frame N``).
    on_part : callable, optional
        Called after each part is checkpointed as ``(part index, frames
        done)`` (tests inject an interruption here).

    Returns
    -------
    (Detections, int)
        The detections of every frame and the frame the pass resumed at
        (0: computed from the start).
    """
    parts, kept = saved_parts(store)
    samples.update(kept)
    done = join_parts(parts) if parts else None
    if done is not None and done.final:
        progress = progress or NullProgress()
        progress.start(total=0, label=f"pose, resumed at frame {done.stop} (all checkpointed)")
        progress.finish()
        det = detections_of_part(done, info=info, model_id=model_id, settings=settings)
        return det, done.stop
    store.discard_parts(from_index=len(parts))
    writer = _PartWriter(store, samples, first=len(parts), hook=on_part)
    det = detect_poses(
        info,
        settings=settings,
        progress=progress,
        on_frame=on_frame,
        resume=done,
        on_part=writer,
        part_frames=part_frames,
    )
    return det, 0 if done is None else done.stop
