"""The visual outputs of a run: ``annotated.mp4``, ``keyframes/*.png`` and ``report.html``.

Called by :func:`formcheck.pipeline.analyze_run` inside its staging folder, so
a failure here never leaves a half-written report. Each source video is
decoded once: the frames the keyframes need are taken from the same pass
that draws the annotated video (or from a short pass that stops at the last
needed frame when no video is written).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.analysis import ClipAnalysis
from formcheck.capture.video import VideoInfo
from formcheck.progress import ProgressReporter
from formcheck.report.annotate import grab_frames, write_annotated_video
from formcheck.report.html import EmbeddedImage, build_html
from formcheck.report.keyframes import (
    Keyframe,
    KeyframeSpec,
    encode_image,
    render_keyframe,
    select_keyframes,
)
from formcheck.report.plots import all_plots

log = logging.getLogger(__name__)

HTML_NAME = "report.html"
VIDEO_NAME = "annotated.mp4"
KEYFRAME_DIR = "keyframes"
# Keyframes are inlined in the HTML as JPEG (a third of the PNG's size).
HTML_JPEG_QUALITY = 85


def annotated_names(n_clips: int) -> list[str]:
    """File names of the annotated videos: ``annotated.mp4``, or one per clip."""
    if n_clips == 1:
        return [VIDEO_NAME]
    return [f"annotated_{k}.mp4" for k in range(n_clips)]


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _decode_pass(
    *,
    report: dict[str, Any],
    clips: list[ClipAnalysis],
    infos: list[VideoInfo],
    specs: list[KeyframeSpec],
    out_dir: Path,
    annotated_video: bool,
    progress: ProgressReporter | None,
) -> tuple[dict[tuple[int, int], np.ndarray], list[str]]:
    """Write the annotated videos (if asked) and collect the keyframes' source frames."""
    frames: dict[tuple[int, int], np.ndarray] = {}
    names = annotated_names(len(clips)) if annotated_video else []
    overstride = report["config"]["findings"]["overstride"]
    for k, (clip, info) in enumerate(zip(clips, infos, strict=True)):
        wanted = {s.frame for s in specs if s.clip == k}
        if annotated_video:
            label = VIDEO_NAME if len(clips) == 1 else f"annotated video {k + 1}/{len(clips)}"
            stats, grabbed = write_annotated_video(
                info=info,
                clip=clip,
                overstride=overstride,
                path=out_dir / names[k],
                progress=progress,
                grab=wanted,
                label=label,
            )
            log.info(
                "%s: %d frames %dx%d in %.1f s (%.0f fps)",
                names[k],
                stats.frames,
                stats.width,
                stats.height,
                stats.seconds,
                stats.fps,
            )
        else:
            grabbed = grab_frames(info, wanted)
        frames.update({(k, f): image for f, image in grabbed.items()})
    if annotated_video and len(clips) > 1:
        _link_or_copy(out_dir / names[0], out_dir / VIDEO_NAME)
        names = [VIDEO_NAME, *names]
    return frames, names


def _embedded(keyframe: Keyframe) -> EmbeddedImage:
    spec, image = keyframe.spec, keyframe.image
    return EmbeddedImage(
        name=spec.name,
        title=spec.title,
        caption=keyframe.caption,
        role=spec.role,
        findings=spec.findings,
        mime="image/jpeg",
        data=encode_image(image, fmt=".jpg", jpeg_quality=HTML_JPEG_QUALITY),
        width=int(image.shape[1]),
        height=int(image.shape[0]),
    )


def write_visual_outputs(
    *,
    report: dict[str, Any],
    clips: list[ClipAnalysis],
    infos: list[VideoInfo],
    out_dir: Path,
    html: bool,
    annotated_video: bool,
    progress: ProgressReporter | None,
) -> None:
    """Write ``annotated.mp4`` (or one per clip), ``keyframes/*.png`` and ``report.html``.

    Parameters
    ----------
    report : dict
        The ``report.json`` dictionary of the run.
    clips : list of ClipAnalysis
    infos : list of VideoInfo
        The probed source videos, one per clip.
    out_dir : Path
        Folder to write into (the pipeline's staging folder).
    html, annotated_video : bool
        Which outputs to write; keyframes are written whenever this runs.
    progress : ProgressReporter, optional
        Told about each annotated video's frames.
    """
    specs = select_keyframes(report, clips)
    frames, video_files = _decode_pass(
        report=report,
        clips=clips,
        infos=infos,
        specs=specs,
        out_dir=out_dir,
        annotated_video=annotated_video,
        progress=progress,
    )
    keyframes = [
        render_keyframe(frames[(s.clip, s.frame)], spec=s, clip=clips[s.clip], report=report)
        for s in specs
        if (s.clip, s.frame) in frames
    ]
    if keyframes:
        folder = out_dir / KEYFRAME_DIR
        folder.mkdir(exist_ok=True)
        for kf in keyframes:
            (folder / f"{kf.spec.name}.png").write_bytes(encode_image(kf.image, fmt=".png"))
    if html:
        page = build_html(
            report=report,
            plots=all_plots(report, clips),
            images=[_embedded(kf) for kf in keyframes],
            video_files=video_files,
        )
        (out_dir / HTML_NAME).write_text(page, encoding="utf-8")
