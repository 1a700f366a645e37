"""Shared support for tests on real footage: cached analyses and clip variants.

Pose estimation is the slow part, so each (clip, variant) is analysed once
per test session. Variants are made on the fly from the original clip with
OpenCV (mirror, roll, half frame rate, half resolution) and re-encoded with
PyAV; nothing is written into the repository.
"""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path

import cv2
import numpy as np

from formcheck.analysis import AnalysisOptions, ClipAnalysis, analyze_clip
from formcheck.assess.findings import Finding, all_findings
from formcheck.assess.summary import RunSummary, summarize
from formcheck.capture.video import iter_frames, probe_video
from formcheck.config import Config
from formcheck.pipeline import PoseResult, extract_pose
from tests.conftest import FOOTAGE_DIR, write_clip

_WORK = Path(tempfile.mkdtemp(prefix="formcheck-footage-"))


def _transform(frame: np.ndarray, variant: str) -> np.ndarray:
    if variant == "mirrored":
        return np.ascontiguousarray(frame[:, ::-1])
    if variant == "rolled":
        h, w = frame.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), 5.0, 1.0)
        return cv2.warpAffine(frame, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    if variant == "half_resolution":
        h, w = frame.shape[:2]
        return cv2.resize(frame, (w // 2 // 2 * 2, h // 2 // 2 * 2), interpolation=cv2.INTER_AREA)
    return frame


def variant_path(name: str, variant: str) -> Path:
    """The clip itself, or a transformed copy in a temporary folder."""
    source = FOOTAGE_DIR / name
    if variant == "original":
        return source
    out = _WORK / f"{source.stem}_{variant}.mp4"
    if out.exists():
        return out
    info = probe_video(source)
    frames = [
        _transform(f.rgb, variant)
        for f in iter_frames(info)
        if variant != "half_fps" or f.index % 2 == 0
    ]
    fps = info.fps / 2 if variant == "half_fps" else info.fps
    return write_clip(out, np.stack(frames), fps=round(fps), crf=18)


@functools.cache
def _pose(name: str, variant: str) -> PoseResult:
    """Pose track of a clip or variant (cached: inference once per session)."""
    return extract_pose(variant_path(name, variant), config=Config())


@functools.cache
def analysed(
    name: str, variant: str = "original", capture_fps: float | None = None
) -> tuple[ClipAnalysis, RunSummary, list[Finding]]:
    """Pose, analysis, summary and findings of a clip (cached for the session)."""
    config = Config()
    pose = _pose(name, variant)
    clip = analyze_clip(
        pose.track,
        config=config,
        options=AnalysisOptions(capture_fps=capture_fps),
        line_roll=pose.line_roll,
    )
    summary = summarize([clip], config=config)
    return (
        clip,
        summary,
        all_findings(summary, config.findings, not_running=clip.not_running_reason),
    )


def finding(findings: list[Finding], fid: str) -> Finding:
    """The finding with id ``fid``."""
    return next(f for f in findings if f.id == fid)


EYE_LABELS = Path(__file__).resolve().parent / "data" / "eye_labels.json"


def eye_labelled_errors(
    name: str, capture_fps: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Landing and toe-off errors of usable contacts against the eye labels.

    Each labelled contact is matched to the timed contact of the same leg
    whose landing is nearest (within a third of a step, else unmatched);
    only usable matches count. Detected times are turned into fractional
    decoded-frame numbers through the clip's own frame times (each stored
    frame of a slow-motion clip is one captured frame).

    Returns
    -------
    ic_frames, to_frames : ndarray
        Detected minus labelled event, frames.
    """
    labels = json.loads(EYE_LABELS.read_text())["clips"][name]["contacts"]
    clip, _, _ = analysed(name, capture_fps=capture_fps)
    frames = np.arange(clip.times_s.size, dtype=float)

    def frame_of(t_s: float) -> float:
        return float(np.interp(t_s, clip.times_s, frames))

    step_frames = clip.fps * 60.0 / clip.cadence_spm
    ic_err, to_err = [], []
    for label in labels:
        same = [c for c in clip.contacts if c.leg == label["leg"] and c.timed]
        if not same:
            continue
        c = min(same, key=lambda c: abs(frame_of(c.ic_s) - label["ic"]))
        if abs(frame_of(c.ic_s) - label["ic"]) > step_frames / 3 or not c.usable:
            continue
        ic_err.append(frame_of(c.ic_s) - label["ic"])
        to_err.append(frame_of(c.to_s) - label["to"])
    return np.asarray(ic_err), np.asarray(to_err)
