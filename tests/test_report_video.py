"""annotated.mp4 and the visual outputs: container facts (as ffprobe would see them with PyAV),
overlay behaviour, several clips, keyframes."""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from formcheck.capture.video import probe_video
from formcheck.outdir import check_output_dir
from formcheck.report.annotate import (
    KEYFRAME_INTERVAL_S,
    MAX_LONG_SIDE_PX,
    FrameAnnotator,
    build_plan,
    output_geometry,
)
from formcheck.report.draw import FLAG_COLOUR
from formcheck.report.visual import write_visual_outputs
from formcheck.synthetic.landmarks import synthetic_track
from tests.test_report_fixtures import (
    FPS,
    SLOUCHING_OVERSTRIDER,
    SMALL_CAMERA,
    analyse_tracks,
    pattern_video_for,
    synthetic_run,
    write_pattern_video,
)

SHORT_RUN_S = 8.0


class RecordingProgress:
    """A ProgressReporter that remembers what it was told."""

    def __init__(self) -> None:
        self.starts: list[tuple[int, str]] = []
        self.advanced = 0
        self.finished = 0

    def start(self, *, total: int, label: str) -> None:
        self.starts.append((total, label))

    def advance(self, n: int = 1) -> None:
        self.advanced += n

    def finish(self) -> None:
        self.finished += 1


def top_level_atoms(path: Path) -> list[str]:
    """Names of the MP4 file's top-level boxes, in file order."""
    names = []
    with path.open("rb") as fh:
        while True:
            header = fh.read(8)
            if len(header) < 8:
                break
            size, kind = struct.unpack(">I4s", header)
            names.append(kind.decode("latin-1"))
            if size == 1:
                (size,) = struct.unpack(">Q", fh.read(8))
                fh.seek(size - 16, 1)
            elif size == 0:
                break
            else:
                fh.seek(size - 8, 1)
    return names


def probe(path: Path) -> dict:
    """What ffprobe would report, read with PyAV (frames counted by decoding)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        facts = {
            "codec": ctx.name,
            "pix_fmt": ctx.pix_fmt,
            "width": ctx.width,
            "height": ctx.height,
            "rate": stream.average_rate,
            "duration_s": float(stream.duration or 0) * float(stream.time_base or 0),
            "header_frames": stream.frames,
        }
        facts["decoded_frames"] = sum(1 for _ in container.decode(stream))
    return facts


@pytest.fixture(scope="module")
def short_outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, object]:
    run = synthetic_run(duration_s=SHORT_RUN_S)
    folder = tmp_path_factory.mktemp("visual")
    info = pattern_video_for(run, folder / "source.mp4")
    out = folder / "out"
    out.mkdir()
    progress = RecordingProgress()
    write_visual_outputs(
        report=run.report,
        clips=run.clips,
        infos=[info],
        out_dir=out,
        html=True,
        annotated_video=True,
        progress=progress,
    )
    return out, info, progress


def test_annotated_video_is_browser_h264(short_outputs) -> None:
    out, info, _ = short_outputs
    facts = probe(out / "annotated.mp4")
    assert facts["codec"] == "h264"
    assert facts["pix_fmt"] == "yuv420p"
    assert facts["decoded_frames"] == info.n_frames == facts["header_frames"]
    assert facts["rate"] == FPS
    assert facts["duration_s"] == pytest.approx(info.n_frames / FPS, abs=1.0 / FPS)
    assert facts["width"] == info.width and facts["width"] % 2 == 0
    assert facts["height"] == output_geometry(info.width, info.height).height
    assert facts["height"] % 2 == 0


def test_keyframes_come_every_half_second_for_stepping_back(short_outputs) -> None:
    out, _, _ = short_outputs
    with av.open(str(out / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        keys = [
            i
            for i, packet in enumerate(p for p in container.demux(stream) if p.size)
            if packet.is_keyframe
        ]
    gaps = np.diff(keys)
    assert keys[0] == 0
    # Every gap at most half a second of frames (x264 may add keyframes, never fewer).
    assert gaps.max() <= round(KEYFRAME_INTERVAL_S * FPS), keys


def test_moov_precedes_mdat(short_outputs) -> None:
    out, _, _ = short_outputs
    atoms = top_level_atoms(out / "annotated.mp4")
    assert "moov" in atoms and "mdat" in atoms
    assert atoms.index("moov") < atoms.index("mdat"), atoms


def test_progress_is_reported_per_frame(short_outputs) -> None:
    _, info, progress = short_outputs
    assert progress.starts == [(info.n_frames, "annotated.mp4")]
    assert progress.advanced == info.n_frames
    assert progress.finished == 1


def test_keyframes_and_html_are_written(short_outputs) -> None:
    out, _, _ = short_outputs
    pngs = sorted(p.name for p in (out / "keyframes").glob("*.png"))
    assert "representative_contact.png" in pngs
    assert any(name.startswith("flagged_") for name in pngs)
    for name in pngs:
        image = cv2.imread(str(out / "keyframes" / name))
        assert image is not None and image.shape[0] > 400
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'href="annotated.mp4"' in page
    assert page.count("data:image/") >= len(pngs)
    check_output_dir(out)  # all of it is formcheck's own, so a later run may replace it


def test_overlay_marks_flagged_contacts_with_a_red_border() -> None:
    run = synthetic_run(duration_s=SHORT_RUN_S)
    clip = run.clips[0]
    overstride = run.report["config"]["findings"]["overstride"]
    geometry = output_geometry(clip.track.width, clip.track.height)
    plan = build_plan(clip, geometry=geometry, overstride=overstride, video_fps=FPS)
    flagged = [m for m in plan.marks if m.flagged]
    assert flagged, "the synthetic overstrider should have flagged contacts"
    annotator = FrameAnnotator(plan, geometry=geometry)
    quiet = next(f for f in range(plan.n_frames) if plan.active[f] < 0)
    for frame, expect_red in ((flagged[0].ic_frame, True), (quiet, False)):
        canvas = geometry.apply(np.full((clip.track.height, clip.track.width, 3), 90, np.uint8))
        annotator.draw(canvas, frame)
        corner = canvas[geometry.picture_height - 2, geometry.picture_width - 2]
        assert (tuple(int(v) for v in corner) == FLAG_COLOUR) is expect_red
        strip = canvas[geometry.picture_height :]
        assert strip.any(), "the timeline strip is drawn below the picture"


@pytest.mark.parametrize(
    ("size", "expected_picture"),
    [
        ((640, 480), (640, 480)),
        ((1280, 720), (1280, 720)),
        ((1281, 721), (1280, 720)),
        ((1920, 1080), (1280, 720)),
        ((1080, 1920), (720, 1280)),
        ((3840, 2160), (1280, 720)),
        ((2160, 3840), (720, 1280)),
    ],
)
def test_output_geometry(size: tuple[int, int], expected_picture: tuple[int, int]) -> None:
    g = output_geometry(*size)
    assert (g.picture_width, g.picture_height) == expected_picture
    assert g.width % 2 == 0 and g.height % 2 == 0
    assert max(g.picture_width, g.picture_height) <= MAX_LONG_SIDE_PX
    assert g.height >= g.picture_height + g.strip_height
    canvas = g.apply(np.zeros((size[1], size[0], 3), np.uint8))
    assert canvas.shape == (g.height, g.width, 3)


def test_several_clips_get_one_video_each(tmp_path: Path) -> None:
    tracks = [
        synthetic_track(
            params=SLOUCHING_OVERSTRIDER, duration_s=4.0, fps=FPS, camera=SMALL_CAMERA, seed=s
        )[0]
        for s in (1, 2)
    ]
    report, clips = analyse_tracks(tracks, offsets=[0.0, 600.0], path="part.mp4")
    infos = []
    for k, track in enumerate(tracks):
        path = write_pattern_video(
            tmp_path / f"clip{k}.mp4",
            n_frames=track.n_frames,
            fps=FPS,
            width=track.width,
            height=track.height,
        )
        infos.append(probe_video(path))
    out = tmp_path / "out"
    out.mkdir()
    write_visual_outputs(
        report=report,
        clips=clips,
        infos=infos,
        out_dir=out,
        html=True,
        annotated_video=True,
        progress=None,
    )
    for name in ("annotated_0.mp4", "annotated_1.mp4", "annotated.mp4"):
        assert probe(out / name)["decoded_frames"] == tracks[0].n_frames
    assert (out / "annotated.mp4").read_bytes() == (out / "annotated_0.mp4").read_bytes()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'href="annotated_1.mp4"' in page
    check_output_dir(out)  # all of it is formcheck's own, so a later run may replace it


def test_html_without_video_still_gets_keyframes(tmp_path: Path) -> None:
    run = synthetic_run(duration_s=SHORT_RUN_S)
    info = pattern_video_for(run, tmp_path / "source.mp4")
    out = tmp_path / "out"
    out.mkdir()
    write_visual_outputs(
        report=run.report,
        clips=run.clips,
        infos=[info],
        out_dir=out,
        html=True,
        annotated_video=False,
        progress=None,
    )
    assert not list(out.glob("*.mp4"))
    assert (out / "keyframes" / "representative_contact.png").is_file()
    assert "Annotated video" not in (out / "report.html").read_text(encoding="utf-8")


def test_not_running_clip_still_gets_a_video_and_a_page(tmp_path: Path) -> None:
    track, _ = synthetic_track(
        params=SLOUCHING_OVERSTRIDER, duration_s=6.0, fps=FPS, camera=SMALL_CAMERA
    )
    # A person standing still: every frame is the first one, so the legs never cycle.
    track = dataclasses.replace(track, xy_px=np.repeat(track.xy_px[:1], track.n_frames, axis=0))
    report, clips = analyse_tracks([track], offsets=[0.0], path="standing.mp4")
    assert report["running"] is False
    path = write_pattern_video(
        tmp_path / "standing.mp4", n_frames=track.n_frames, fps=FPS, width=320, height=240
    )
    out = tmp_path / "out"
    out.mkdir()
    write_visual_outputs(
        report=report,
        clips=clips,
        infos=[probe_video(path)],
        out_dir=out,
        html=True,
        annotated_video=True,
        progress=None,
    )
    assert probe(out / "annotated.mp4")["decoded_frames"] == track.n_frames
    assert not (out / "keyframes").exists()
    assert "Running not analysed" in (out / "report.html").read_text(encoding="utf-8")


def test_captions_on_a_narrow_still_wrap_instead_of_shrinking() -> None:
    # A portrait clip's still is 360 px wide: its caption was drawn at a
    # 0.275 scale (about 6 px capitals), letters running together.
    from formcheck.report.draw import with_caption

    background = (24, 24, 24)
    text = "contact 5 of 14 (near leg), frame 123: shank 9.1 deg, heel 0.18 L ahead"
    narrow = with_caption(np.zeros((640, 360, 3), np.uint8), [(text, (255, 255, 255))], scale=0.275)
    band = narrow[640:]
    inked = np.flatnonzero((band != background).any(axis=2).any(axis=0))
    assert inked.max() < 360 - 6  # nothing cut at the right edge
    rows = np.flatnonzero((band != background).any(axis=2).any(axis=1))
    runs = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
    assert len(runs) >= 2  # wrapped onto more lines
    assert max(r.size for r in runs) >= 9  # capitals at least 9 px high (scale >= 0.45)
